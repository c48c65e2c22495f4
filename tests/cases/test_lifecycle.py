"""Every (state, target) pair of the lifecycle over HTTP: allowed ones succeed for each role the table names and are
403 for the other roles; all other pairs are 409 naming exactly the allowed targets."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole as R
from app.cases.lifecycle import DEFAULT
from app.cases.models import CaseStatus as S
from app.core.clock import ManualWallClock
from app.units import service as units_service
from tests.cases.conftest import World

STAFF = (R.analyst, R.supervisor, R.investigator)
RESUMABLE = (S.triaged, S.assigned, S.investigating)


def _body(target: S) -> dict[str, str]:
    return {"to": target, "disposition": "unfounded"} if target == S.closed else {"to": target}


def test_every_state_target_pair(client: TestClient, world: World) -> None:
    actors = {role: world.member(role, "NAT" if role == R.investigator else None) for role in STAFF}
    actors[R.instructor] = world.owner
    checked_allowed = checked_refused = 0
    for source in S:
        for target in S:
            resume = target if source == S.on_hold and target in RESUMABLE else S.triaged
            fields = {"resume_status": resume} if source == S.on_hold else {}
            rule = DEFAULT.find(source, target)
            if rule is not None and source == S.on_hold and target != resume:
                rule = None
            if rule is None:
                case = world.case(source, unit="POLDA-A", **fields)
                r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json=_body(target))
                assert r.status_code == 409, (source, target, r.text)
                problem = r.json()
                expected = [t.target for t in DEFAULT.transitions if t.source == source]
                if source == S.on_hold:
                    expected = [resume]
                assert problem["type"] == "urn:tipdesk:problem:invalid-transition"
                assert problem["allowed"] == expected and problem["from"] == source and problem["to"] == target
                checked_refused += 1
                continue
            for role, actor in actors.items():
                case = world.case(source, unit="POLDA-A", **fields)
                r = client.post(world.url(case, "/transitions"), headers=actor.headers, json=_body(target))
                where = (source, target, role, r.text)
                if role == R.instructor or role in rule.roles:
                    assert r.status_code == 200, where
                    assert r.json()["status"] == target and r.json()["version"] == case.version + 1
                    assert r.headers["etag"] == f'"{case.version + 1}"'
                elif role in rule.proposers:
                    assert r.status_code == 200, where
                    body = r.json()
                    assert body["status"] == source and body["closure_proposal"]["disposition"] == "unfounded"
                else:
                    assert r.status_code == 403, where
                    assert r.json()["type"] == "urn:tipdesk:problem:transition-forbidden"
                checked_allowed += 1
    assert checked_refused == 64 - len(DEFAULT.transitions)
    assert checked_allowed == 4 * len(DEFAULT.transitions)


def test_closing_needs_a_known_disposition(client: TestClient, world: World) -> None:
    case = world.case(S.investigating, unit="POLDA-A")
    url = world.url(case, "/transitions")
    r = client.post(url, headers=world.owner.headers, json={"to": "closed"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:disposition-required"
    assert "arrest" in r.json()["allowed"]
    r = client.post(url, headers=world.owner.headers, json={"to": "closed", "disposition": "solved_by_magic"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unknown-disposition"
    r = client.post(url, headers=world.owner.headers, json={"to": "closed", "disposition": "arrest", "reason": "done"})
    assert r.status_code == 200 and r.json()["disposition"] == "arrest"
    history = client.get(world.url(case, "/history"), headers=world.owner.headers).json()["items"]
    assert history[-1]["type"] == "case.transitioned"
    assert history[-1]["old"] == "investigating" and history[-1]["new"] == "closed"
    assert history[-1]["data"]["reason"] == "done"


def test_assigned_needs_a_unit_and_referral_is_referred_out(client: TestClient, world: World) -> None:
    case = world.case(S.triaged)
    r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json={"to": "assigned"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unit-required"
    r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json={"to": "referred"})
    assert r.status_code == 200 and r.json()["disposition"] == "referred_out"
    r = client.patch(world.url(case), headers=world.owner.headers, json={"priority": "1"})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:case-closed"
    r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json={"to": "reopened"})
    assert r.status_code == 200 and r.json()["disposition"] is None and r.json()["closed_at"] is None


def test_milestones_come_from_the_exercise_clock(client: TestClient, world: World, wall_clock: ManualWallClock) -> None:
    world.exercise = world.factory.exercise(
        world.owner, clock={"mode": "simulated", "origin": "2030-01-01T00:00:00Z", "speed": 60}
    )
    world.units = {
        "NAT": units_service.create_unit(
            world.session, exercise_id=world.exercise.id, code="NAT", name="National", kind="d", now=wall_clock.now()
        )
    }
    world.session.commit()
    case = world.case(S.new)
    assert case.created_at == datetime(2030, 1, 1, tzinfo=UTC)
    wall_clock.advance(60)  # one real minute at speed 60: one exercise hour
    steps = [
        ("triaged", "triaged_at", "2030-01-01T01:00:00Z"),
        ("on_hold", None, None),
        ("triaged", None, None),
    ]
    for target, milestone, expected in steps:
        r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json={"to": target})
        assert r.status_code == 200, r.text
        if milestone:
            assert r.json()[milestone] == expected
        wall_clock.advance(30)
    r = client.post(
        world.url(case, "/assignment"),
        headers=world.owner.headers,
        json={"action": "assign", "unit_id": str(world.units["NAT"].id)},
    )
    assert r.json()["status"] == "assigned" and r.json()["assigned_at"] == "2030-01-01T02:30:00Z"
    wall_clock.advance(60)
    r = client.post(world.url(case, "/transitions"), headers=world.owner.headers, json={"to": "investigating"})
    assert r.json()["first_action_at"] == "2030-01-01T03:30:00Z"
    body = client.post(
        world.url(case, "/transitions"), headers=world.owner.headers, json={"to": "closed", "disposition": "arrest"}
    ).json()
    assert body["closed_at"] == "2030-01-01T03:30:00Z" and body["sla"]["held_seconds"] == 1800.0
