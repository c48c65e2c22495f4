from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth.models import Credential, GlobalRole
from app.core.clock import ManualWallClock
from tests.conftest import Factory


def login(client: TestClient, username: str, password: str = "pw-12345678") -> dict[str, object]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_password_login_issues_a_bearer_token_that_identifies_the_user(client: TestClient, factory: Factory) -> None:
    alice = factory.user(username="alice")
    body = login(client, "alice")
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["user"]["id"] == str(alice.user.id)
    assert me.json()["credential"]["kind"] == "session"


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, factory: Factory) -> None:
    factory.user(username="bob")
    wrong = client.post("/api/v1/auth/token", data={"username": "bob", "password": "nope-nope-nope"})
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope-nope-nope"})
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "urn:tipdesk:problem:invalid-credentials"
        assert "www-authenticate" in r.headers
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_repeated_failures_are_throttled_even_for_the_right_password(client: TestClient, factory: Factory) -> None:
    factory.user(username="carol")
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/token", data={"username": "carol", "password": "bad-bad-bad"}).status_code == 401
        )
    r = client.post("/api/v1/auth/token", data={"username": "carol", "password": "pw-12345678"})
    assert r.status_code == 429
    assert r.json()["type"] == "urn:tipdesk:problem:login-throttled"
    assert int(r.headers["retry-after"]) > 0


def test_throttle_window_passes(client: TestClient, factory: Factory, wall_clock: ManualWallClock) -> None:
    factory.user(username="dave")
    for _ in range(5):
        client.post("/api/v1/auth/token", data={"username": "dave", "password": "bad-bad-bad"})
    wall_clock.advance(901)
    assert client.post("/api/v1/auth/token", data={"username": "dave", "password": "pw-12345678"}).status_code == 200


def test_login_token_expires(client: TestClient, factory: Factory, wall_clock: ManualWallClock) -> None:
    factory.user(username="erin")
    body = login(client, "erin")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    wall_clock.advance(int(str(body["expires_in"])) - 1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    wall_clock.advance(2)
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_logout_revokes_the_token(client: TestClient, factory: Factory) -> None:
    factory.user(username="frank")
    headers = {"Authorization": f"Bearer {login(client, 'frank')['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_missing_or_malformed_authorization_is_401_with_challenge(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer tdk_not-a-real-token"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["status"] == 401


def test_api_token_is_shown_once_and_stored_only_as_sha256(
    client: TestClient, factory: Factory, session: Session
) -> None:
    owner = factory.user()
    r = client.post("/api/v1/tokens", headers=owner.headers, json={"name": "weekly stats", "expires_in_days": 7})
    assert r.status_code == 201
    created = r.json()
    secret = created["token"]
    assert secret.startswith("tdk_") and len(secret) > 40
    row = session.scalar(select(Credential).where(Credential.id == uuid.UUID(created["id"])))
    assert row is not None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    # the secret itself is in no column of the credential table
    dump = session.execute(text("SELECT * FROM credential WHERE token_hash = :h"), {"h": row.token_hash}).one()
    assert all(secret not in str(v) for v in dump)
    listed = client.get("/api/v1/tokens", headers=owner.headers).json()["items"]
    assert [t["id"] for t in listed if t["id"] == created["id"]]
    assert all("token" not in t for t in listed)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert row.expires_at - row.created_at == timedelta(days=7)


def test_revoked_api_token_is_refused(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    created = client.post("/api/v1/tokens", headers=owner.headers, json={"name": "script"}).json()
    token_headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=token_headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=owner.headers).status_code == 204
    assert client.get("/api/v1/me", headers=token_headers).status_code == 401
    listed = client.get("/api/v1/tokens", headers=owner.headers).json()["items"]
    assert next(t for t in listed if t["id"] == created["id"])["revoked_at"] is not None


def test_cannot_revoke_someone_elses_token(client: TestClient, factory: Factory) -> None:
    a, b = factory.user(), factory.user()
    created = client.post("/api/v1/tokens", headers=a.headers, json={"name": "mine"}).json()
    r = client.delete(f"/api/v1/tokens/{created['id']}", headers=b.headers)
    assert r.status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}).status_code == 200


def test_token_lifetime_is_capped_by_settings(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    r = client.post("/api/v1/tokens", headers=owner.headers, json={"name": "long", "expires_in_days": 3650})
    assert r.status_code == 201
    body = r.json()
    from datetime import datetime

    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])
    assert lifetime == timedelta(days=365)


def test_users_are_created_by_admins_and_instructors_only(client: TestClient, factory: Factory) -> None:
    admin, instructor, plain = factory.user(GlobalRole.admin), factory.user(GlobalRole.instructor), factory.user()
    new = {"username": "new.analyst", "password": "long-enough-pw", "display_name": "New Analyst"}
    assert client.post("/api/v1/users", headers=plain.headers, json=new).status_code == 403
    r = client.post("/api/v1/users", headers=instructor.headers, json=new)
    assert r.status_code == 201 and r.json()["role"] == "user" and "password" not in r.text
    assert client.post("/api/v1/users", headers=instructor.headers, json=new).status_code == 409
    promoted = {**new, "username": "new.instructor", "role": "instructor"}
    assert client.post("/api/v1/users", headers=instructor.headers, json=promoted).status_code == 403
    assert client.post("/api/v1/users", headers=admin.headers, json=promoted).status_code == 201
    assert client.get("/api/v1/users", headers=plain.headers).status_code == 403
    names = [u["username"] for u in client.get("/api/v1/users?limit=500", headers=admin.headers).json()["items"]]
    assert {"new.analyst", "new.instructor"} <= set(names)


def test_user_validation_errors_point_at_the_fields(client: TestClient, factory: Factory) -> None:
    admin = factory.user(GlobalRole.admin)
    r = client.post(
        "/api/v1/users", headers=admin.headers, json={"username": "X!", "password": "short", "display_name": ""}
    )
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert {"/username", "/password", "/display_name"} <= pointers


def test_failures_from_one_address_across_usernames_are_throttled(client: TestClient, factory: Factory) -> None:
    factory.user(username="gina")
    for i in range(20):
        r = client.post("/api/v1/auth/token", data={"username": f"guess{i}", "password": "bad-bad-bad"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "gina", "password": "pw-12345678"})
    assert r.status_code == 429
