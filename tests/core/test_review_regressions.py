"""Inputs that once produced a 500, a misleading 503, or got past a check."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.core.config import Settings
from tests import dbs
from tests.conftest import Factory


def test_times_outside_1970_to_2199_are_422_not_500(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    for origin in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:59:58Z"):
        r = client.post(
            "/api/v1/exercises",
            headers=owner.headers,
            json={"name": "x", "clock": {"mode": "simulated", "origin": origin}},
        )
        assert r.status_code == 422, origin
    ex = factory.exercise(owner, clock={"mode": "simulated", "origin": "2199-12-31T00:00:00Z"})
    r = client.post(
        f"/api/v1/exercises/{ex.id}/clock", headers=owner.headers, json={"action": "jump", "seconds": 10 * 86400}
    )
    assert r.status_code == 422
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=owner.headers).status_code == 200
    r = client.get(
        f"/api/v1/exercises/{ex.id}/reports",
        headers=owner.headers,
        params={"received_from": "0001-01-01T00:00:00+01:00"},
    )
    assert r.status_code == 422


def test_text_the_database_cannot_store_is_a_client_error(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post("/api/v1/exercises", headers=owner.headers, json={"name": "a\u0000b"})
    # PostgreSQL cannot store NUL in text: 422, never the 503 "retry" of an outage; SQLite stores it
    assert r.status_code == (422 if dbs.BACKEND == "postgresql" else 201), r.text


def test_out_of_range_sequence_numbers_are_422(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    assert (
        client.get(f"/api/v1/exercises/{ex.id}/events?after=29877031712448290816", headers=owner.headers).status_code
        == 422
    )


def test_allow_header_names_the_literal_route(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    r = client.request("PUT", f"/api/v1/exercises/{ex.id}/reports/bulk", headers=owner.headers)
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_demo_users_work_only_in_demo_mode(
    client: TestClient, factory: Factory, session: Session, settings: Settings
) -> None:
    demo = factory.user(GlobalRole.admin, username="demo.someone")
    demo.user.is_demo = True
    session.commit()
    assert client.get("/api/v1/me", headers=demo.headers).status_code == 401
    assert (
        client.post("/api/v1/auth/token", data={"username": "demo.someone", "password": "pw-12345678"}).status_code
        == 401
    )
    client.app.state.settings = settings.model_copy(update={"demo_mode": True})  # type: ignore[attr-defined]
    try:
        assert client.get("/api/v1/me", headers=demo.headers).status_code == 200
    finally:
        client.app.state.settings = settings  # type: ignore[attr-defined]


def test_scoped_tokens_do_not_manage_users_or_see_other_tokens(client: TestClient, factory: Factory) -> None:
    admin = factory.user(GlobalRole.admin)
    ex1, ex2 = factory.exercise(admin), factory.exercise(admin)
    factory.scoped_token(admin, ex2.id)
    scoped = {"Authorization": f"Bearer {factory.scoped_token(admin, ex1.id)}"}
    assert client.get("/api/v1/users", headers=scoped).status_code == 403
    new = {"username": "via.scoped", "password": "long-enough-pw", "display_name": "X"}
    assert client.post("/api/v1/users", headers=scoped, json=new).status_code == 403
    listed = client.get("/api/v1/tokens", headers=scoped).json()["items"]
    assert listed and {t["exercise_id"] for t in listed} == {str(ex1.id)}


def test_a_cursor_only_continues_the_list_that_issued_it(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    for _ in range(2):
        factory.member(ex, ExerciseRole.analyst)
        factory.exercise(owner)
    members_cursor = client.get(f"/api/v1/exercises/{ex.id}/members?limit=1", headers=owner.headers).json()[
        "next_cursor"
    ]
    assert members_cursor
    assert client.get(f"/api/v1/exercises?cursor={members_cursor}", headers=owner.headers).status_code == 400
