from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.events.models import Event
from app.exercises.models import Exercise
from app.units import service as units_service
from tests.conftest import Factory


def test_instructor_creates_an_exercise_and_becomes_its_instructor(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post("/api/v1/exercises", headers=owner.headers, json={"name": "Shift A", "description": "Triage drill"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/exercises/{body['id']}"
    assert body["status"] == "draft" and body["intake_mode"] == "strict" and body["org_template"] == "id-polri"
    assert body["clock"]["mode"] == "real"
    members = client.get(f"/api/v1/exercises/{body['id']}/members", headers=owner.headers).json()["items"]
    assert [(m["username"], m["role"]) for m in members] == [(owner.user.username, "instructor")]
    events = client.get(f"/api/v1/exercises/{body['id']}/events", headers=owner.headers).json()["items"]
    assert [e["type"] for e in events] == ["exercise.created", "ruleset.activated", "membership.added"]
    assert [e["seq"] for e in events] == [1, 2, 3]


def test_plain_users_cannot_create_exercises(client: TestClient, factory: Factory) -> None:
    plain = factory.user()
    assert client.post("/api/v1/exercises", headers=plain.headers, json={"name": "x"}).status_code == 403


def test_unknown_org_template_is_refused_and_nothing_is_stored(
    client: TestClient, factory: Factory, session: Session
) -> None:
    owner = factory.user(GlobalRole.instructor)
    before = session.scalar(select(func.count()).select_from(Exercise))
    r = client.post("/api/v1/exercises", headers=owner.headers, json={"name": "x", "org_template": "atlantis"})
    assert r.status_code == 422
    assert r.json()["type"] == "urn:tipdesk:problem:unknown-template" and "empty" in r.json()["available"]
    assert session.scalar(select(func.count()).select_from(Exercise)) == before


def test_status_follows_the_lifecycle(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    url = f"/api/v1/exercises/{ex.id}"
    path = ["active", "paused", "active", "closed", "archived"]
    for status in path:
        r = client.patch(url, headers=owner.headers, json={"status": status})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    r = client.patch(url, headers=owner.headers, json={"status": "active"})
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"] == "urn:tipdesk:problem:invalid-transition" and problem["allowed"] == []
    events = client.get(f"{url}/events?type=exercise.status_changed", headers=owner.headers).json()["items"]
    assert [(e["data"]["old"], e["data"]["new"]) for e in events] == list(zip(["draft", *path[:-1]], path, strict=True))


def test_illegal_transition_lists_the_allowed_ones_and_changes_nothing(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    r = client.patch(f"/api/v1/exercises/{ex.id}", headers=owner.headers, json={"status": "closed", "name": "renamed"})
    assert r.status_code == 409
    assert r.json()["allowed"] == ["active"]
    after = client.get(f"/api/v1/exercises/{ex.id}", headers=owner.headers).json()
    assert after["status"] == "draft" and after["name"] == ex.name


def test_patch_records_field_changes(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    r = client.patch(
        f"/api/v1/exercises/{ex.id}", headers=owner.headers, json={"name": "Renamed", "intake_mode": "lenient"}
    )
    assert r.status_code == 200 and r.json()["name"] == "Renamed" and r.json()["intake_mode"] == "lenient"
    ev = client.get(f"/api/v1/exercises/{ex.id}/events?type=exercise.updated", headers=owner.headers).json()["items"]
    assert ev[0]["data"]["changes"]["name"] == {"old": ex.name, "new": "Renamed"}
    assert client.patch(f"/api/v1/exercises/{ex.id}", headers=owner.headers, json={"bogus": 1}).status_code == 422


def test_non_instructor_members_get_403_not_404(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    analyst = factory.member(ex, ExerciseRole.analyst)
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=analyst.headers).status_code == 200
    r = client.patch(f"/api/v1/exercises/{ex.id}", headers=analyst.headers, json={"name": "mine now"})
    assert r.status_code == 403 and r.json()["type"] == "urn:tipdesk:problem:forbidden"
    reporter = factory.member(ex, ExerciseRole.reporter)
    assert client.get(f"/api/v1/exercises/{ex.id}/members", headers=reporter.headers).status_code == 403
    assert client.get(f"/api/v1/exercises/{ex.id}/events", headers=analyst.headers).status_code == 403


def test_admin_sees_every_exercise(client: TestClient, factory: Factory) -> None:
    owner, admin = factory.user(GlobalRole.instructor), factory.user(GlobalRole.admin)
    ex = factory.exercise(owner)
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=admin.headers).status_code == 200
    ids = {e["id"] for e in client.get("/api/v1/exercises?limit=500", headers=admin.headers).json()["items"]}
    assert str(ex.id) in ids


def test_members_are_added_by_name_with_an_optional_unit(
    client: TestClient, factory: Factory, session: Session
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex, other = factory.exercise(owner), factory.exercise(owner)
    unit = units_service.create_unit(
        session, exercise_id=ex.id, code="DITSIBER", name="Dittipidsiber", kind="directorate", now=ex.created_at
    )
    foreign = units_service.create_unit(
        session, exercise_id=other.id, code="X", name="Other", kind="polda", now=ex.created_at
    )
    session.commit()
    newbie = factory.user()
    url = f"/api/v1/exercises/{ex.id}/members"
    r = client.post(
        url, headers=owner.headers, json={"username": newbie.user.username, "role": "analyst", "unit_id": str(unit.id)}
    )
    assert r.status_code == 201, r.text
    assert r.json()["unit_id"] == str(unit.id) and r.json()["role"] == "analyst"
    assert (
        client.post(url, headers=owner.headers, json={"username": newbie.user.username, "role": "observer"}).status_code
        == 409
    )
    other_user = factory.user()
    r = client.post(
        url,
        headers=owner.headers,
        json={"username": other_user.user.username, "role": "analyst", "unit_id": str(foreign.id)},
    )
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unknown-unit"
    r = client.post(url, headers=owner.headers, json={"username": "no.such.user", "role": "analyst"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unknown-user"
    r = client.post(url, headers=owner.headers, json={"username": other_user.user.username, "role": "overlord"})
    assert r.status_code == 422
    assert client.get(f"/api/v1/exercises/{ex.id}", headers=newbie.headers).status_code == 200
    added = select(Event).where(Event.exercise_id == ex.id, Event.type == "membership.added").order_by(Event.seq)
    events = session.scalars(added).all()
    assert [e.data["username"] for e in events] == [owner.user.username, newbie.user.username]


def test_exercise_ids_must_be_uuids(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.get("/api/v1/exercises/not-a-uuid", headers=owner.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == "path"
    assert client.get(f"/api/v1/exercises/{uuid.uuid4()}", headers=owner.headers).status_code == 404
