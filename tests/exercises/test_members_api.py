from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.units import service as units_service
from tests.conftest import Factory


def _membership_id(client: TestClient, exercise_id: object, username: str, headers: dict[str, str]) -> str:
    items = client.get(f"/api/v1/exercises/{exercise_id}/members", headers=headers).json()["items"]
    return str(next(m["id"] for m in items if m["username"] == username))


def test_instructor_changes_role_and_unit_with_events(client: TestClient, factory: Factory, session: Session) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    analyst = factory.member(ex, ExerciseRole.analyst)
    unit = units_service.create_unit(
        session, exercise_id=ex.id, code="U1", name="Unit 1", kind="polda", now=ex.created_at
    )
    session.commit()
    mid = _membership_id(client, ex.id, analyst.user.username, owner.headers)
    url = f"/api/v1/exercises/{ex.id}/members/{mid}"
    r = client.patch(url, headers=owner.headers, json={"role": "supervisor", "unit_id": str(unit.id)})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "supervisor" and r.json()["unit_id"] == str(unit.id)
    assert client.get(url, headers=owner.headers).json()["role"] == "supervisor"
    r = client.patch(url, headers=owner.headers, json={"unit_id": None})
    assert r.json()["unit_id"] is None and r.json()["role"] == "supervisor"
    events = client.get(f"/api/v1/exercises/{ex.id}/events?type=membership.changed", headers=owner.headers).json()
    changes = [e["data"]["changes"] for e in events["items"]]
    assert changes == [
        {"role": {"old": "analyst", "new": "supervisor"}, "unit_id": {"old": None, "new": str(unit.id)}},
        {"unit_id": {"old": str(unit.id), "new": None}},
    ]
    # the member now has supervisor rights: the event log is readable
    assert client.get(f"/api/v1/exercises/{ex.id}/events", headers=analyst.headers).status_code == 200


def test_removed_member_loses_access_at_once(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    analyst = factory.member(ex, ExerciseRole.analyst)
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=analyst.headers).status_code == 200
    mid = _membership_id(client, ex.id, analyst.user.username, owner.headers)
    assert client.delete(f"/api/v1/exercises/{ex.id}/members/{mid}", headers=owner.headers).status_code == 204
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=analyst.headers).status_code == 404
    assert client.get(f"/api/v1/exercises/{ex.id}/members/{mid}", headers=owner.headers).status_code == 404
    types = [e["type"] for e in client.get(f"/api/v1/exercises/{ex.id}/events", headers=owner.headers).json()["items"]]
    assert types[-1] == "membership.removed"


def test_the_last_instructor_cannot_leave_or_be_demoted(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    mid = _membership_id(client, ex.id, owner.user.username, owner.headers)
    url = f"/api/v1/exercises/{ex.id}/members/{mid}"
    for r in (
        client.delete(url, headers=owner.headers),
        client.patch(url, headers=owner.headers, json={"role": "analyst"}),
    ):
        assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:last-instructor"
    second = factory.member(ex, ExerciseRole.instructor)
    assert client.patch(url, headers=owner.headers, json={"role": "analyst"}).status_code == 200
    assert client.get(f"/api/v1/exercises/{ex.id}/members", headers=second.headers).status_code == 200


def test_memberships_of_other_exercises_are_not_found(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex1, ex2 = factory.exercise(owner), factory.exercise(owner)
    member = factory.member(ex2, ExerciseRole.analyst)
    mid = _membership_id(client, ex2.id, member.user.username, owner.headers)
    assert client.get(f"/api/v1/exercises/{ex1.id}/members/{mid}", headers=owner.headers).status_code == 404
    assert client.delete(f"/api/v1/exercises/{ex1.id}/members/{mid}", headers=owner.headers).status_code == 404
    analyst = factory.member(ex1, ExerciseRole.analyst)
    own = _membership_id(client, ex1.id, analyst.user.username, owner.headers)
    r = client.patch(f"/api/v1/exercises/{ex1.id}/members/{own}", headers=analyst.headers, json={"role": "instructor"})
    assert r.status_code == 403
