"""Exercise isolation: for every exercise-scoped operation the app exposes, a caller who does not belong to the
exercise gets the same 404 as for an exercise that does not exist. Operations are read from the app's own OpenAPI
document, so routes added later are covered without editing this test."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.auth import service as auth_service
from app.auth.dependencies import EXERCISE_NOT_FOUND
from app.auth.models import ExerciseRole, GlobalRole
from tests.conftest import Factory

SCOPED_PREFIX = "/api/v1/exercises/{exercise_id}"


def scoped_operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for path, item in app.openapi()["paths"].items():
        if not path.startswith(SCOPED_PREFIX):
            continue
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                ops.append((method.upper(), path, op))
    return ops


def _fill(path: str, exercise_id: uuid.UUID) -> str:
    path = path.replace("{exercise_id}", str(exercise_id))
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


def _call(client: TestClient, method: str, url: str, op: dict[str, Any], headers: dict[str, str]) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return client.request(method, url, headers=headers, json={})
    if content:
        media = next(iter(content))
        return client.request(method, url, headers={**headers, "content-type": media}, content=b"")
    return client.request(method, url, headers=headers)


def test_the_app_has_exercise_scoped_operations(app: FastAPI) -> None:
    ops = {(m, p) for m, p, _ in scoped_operations(app)}
    # the foundation's own routes must be among them, so an empty enumeration cannot pass silently
    assert {
        ("GET", SCOPED_PREFIX),
        ("PATCH", SCOPED_PREFIX),
        ("GET", SCOPED_PREFIX + "/clock"),
        ("POST", SCOPED_PREFIX + "/members"),
        ("GET", SCOPED_PREFIX + "/events/verify"),
    } <= ops


@pytest.mark.parametrize("caller", ["other_instructor", "other_member", "scoped_token", "missing_exercise"])
def test_outsiders_get_404_on_every_exercise_scoped_operation(
    app: FastAPI, client: TestClient, factory: Factory, caller: str
) -> None:
    owner_a = factory.user(GlobalRole.instructor)
    owner_b = factory.user(GlobalRole.instructor)
    ex_a, ex_b = factory.exercise(owner_a), factory.exercise(owner_b)
    target = ex_b.id
    if caller == "other_instructor":
        headers = owner_a.headers
    elif caller == "other_member":
        headers = factory.member(ex_a, ExerciseRole.supervisor).headers
    elif caller == "scoped_token":
        # owner_b's own token, scoped to exercise A (where owner_b is made a member too): it must not reach B
        auth_service.add_member(
            factory.session,
            exercise=ex_a,
            user=owner_b.user,
            role=ExerciseRole.instructor,
            unit_id=None,
            actor="system",
            at=ex_a.created_at,
        )
        factory.session.commit()
        headers = {"Authorization": f"Bearer {factory.scoped_token(owner_b, ex_a.id)}"}
        assert client.get(f"/api/v1/exercises/{ex_a.id}", headers=headers).status_code == 200
    else:
        headers = owner_a.headers
        target = uuid.uuid4()

    checked = 0
    for method, path, op in scoped_operations(app):
        r = _call(client, method, _fill(path, target), op, headers)
        assert r.status_code == 404, f"{method} {path} as {caller}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == EXERCISE_NOT_FOUND, "the 404 must not reveal whether the exercise exists"
        checked += 1
    assert checked >= 6
    # and the legitimate owner still reaches it, so the 404s above are about membership, not broken routes
    if caller != "missing_exercise":
        assert client.get(f"/api/v1/exercises/{ex_b.id}", headers=owner_b.headers).status_code == 200


def test_exercise_list_shows_only_own_exercises(client: TestClient, factory: Factory) -> None:
    a, b = factory.user(GlobalRole.instructor), factory.user(GlobalRole.instructor)
    ex_a, ex_b = factory.exercise(a), factory.exercise(b)
    ids = {e["id"] for e in client.get("/api/v1/exercises", headers=a.headers).json()["items"]}
    assert str(ex_a.id) in ids and str(ex_b.id) not in ids


def test_scoped_token_lists_only_its_exercise_and_cannot_mint_tokens(client: TestClient, factory: Factory) -> None:
    a = factory.user(GlobalRole.instructor)
    ex1, ex2 = factory.exercise(a), factory.exercise(a)
    scoped = {"Authorization": f"Bearer {factory.scoped_token(a, ex1.id)}"}
    ids = [e["id"] for e in client.get("/api/v1/exercises", headers=scoped).json()["items"]]
    assert ids == [str(ex1.id)]
    assert client.get(f"/api/v1/exercises/{ex2.id}", headers=scoped).status_code == 404
    assert client.post("/api/v1/tokens", headers=scoped, json={"name": "escalate"}).status_code == 403
    assert client.post("/api/v1/exercises", headers=scoped, json={"name": "new"}).status_code == 403
    me = client.get("/api/v1/me", headers=scoped).json()
    assert [m["exercise_id"] for m in me["memberships"]] == [str(ex1.id)]


def test_token_cannot_be_scoped_to_a_foreign_exercise(client: TestClient, factory: Factory) -> None:
    a, b = factory.user(GlobalRole.instructor), factory.user(GlobalRole.instructor)
    ex_b = factory.exercise(b)
    r = client.post("/api/v1/tokens", headers=a.headers, json={"name": "peek", "exercise_id": str(ex_b.id)})
    assert r.status_code == 422


def test_admin_cannot_scope_a_token_to_a_missing_exercise(client: TestClient, factory: Factory) -> None:
    admin = factory.user(GlobalRole.admin)
    r = client.post("/api/v1/tokens", headers=admin.headers, json={"name": "x", "exercise_id": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unknown-exercise"
