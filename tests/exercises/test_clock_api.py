from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole, GlobalRole
from app.core.clock import ManualWallClock
from tests.conftest import Factory

ORIGIN = "2026-03-02T08:00:00Z"


def _now(client: TestClient, eid: object, headers: dict[str, str]) -> datetime:
    r = client.get(f"/api/v1/exercises/{eid}/clock", headers=headers)
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["now"])


def test_simulated_exercise_clock_over_the_api(
    client: TestClient, factory: Factory, wall_clock: ManualWallClock
) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post(
        "/api/v1/exercises",
        headers=owner.headers,
        json={"name": "Night shift", "clock": {"mode": "simulated", "origin": ORIGIN, "speed": 60}},
    )
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    start = datetime.fromisoformat(ORIGIN)
    assert _now(client, eid, owner.headers) == start
    wall_clock.advance(1)
    assert _now(client, eid, owner.headers) == start + timedelta(seconds=60)

    post = lambda body: client.post(f"/api/v1/exercises/{eid}/clock", headers=owner.headers, json=body)  # noqa: E731
    assert post({"action": "pause"}).json()["paused"] is True
    wall_clock.advance(100)
    assert _now(client, eid, owner.headers) == start + timedelta(seconds=60)
    assert post({"action": "jump", "seconds": 1800}).status_code == 200
    assert _now(client, eid, owner.headers) == start + timedelta(seconds=1860)
    target = start + timedelta(hours=2)
    assert post({"action": "jump", "to": target.isoformat()}).status_code == 200
    assert _now(client, eid, owner.headers) == target
    assert post({"action": "set_speed", "speed": 2}).json()["speed"] == 2
    assert post({"action": "resume"}).json()["paused"] is False
    wall_clock.advance(5)
    assert _now(client, eid, owner.headers) == target + timedelta(seconds=10)

    events = client.get(f"/api/v1/exercises/{eid}/events?type=exercise.clock_changed", headers=owner.headers).json()
    assert [e["data"]["action"]["action"] for e in events["items"]] == ["pause", "jump", "jump", "set_speed", "resume"]


def test_clock_refuses_backward_jumps_and_bad_actions(
    client: TestClient, factory: Factory, wall_clock: ManualWallClock
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner, clock={"mode": "simulated", "origin": ORIGIN})
    url = f"/api/v1/exercises/{ex.id}/clock"
    r = client.post(url, headers=owner.headers, json={"action": "jump", "to": "2026-03-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:clock-jump-backwards"
    assert client.post(url, headers=owner.headers, json={"action": "jump"}).status_code == 422
    assert client.post(url, headers=owner.headers, json={"action": "rewind"}).status_code == 422
    assert client.post(url, headers=owner.headers, json={"action": "set_speed", "speed": 0}).status_code == 422
    assert _now(client, ex.id, owner.headers) == datetime.fromisoformat(ORIGIN)


def test_real_clock_must_be_switched_to_simulated_first(
    client: TestClient, factory: Factory, wall_clock: ManualWallClock
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    url = f"/api/v1/exercises/{ex.id}/clock"
    r = client.post(url, headers=owner.headers, json={"action": "pause"})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:clock-not-simulated"
    assert _now(client, ex.id, owner.headers) == wall_clock.now()
    r = client.post(url, headers=owner.headers, json={"action": "set_mode", "mode": "simulated", "origin": ORIGIN})
    assert r.status_code == 200 and r.json()["mode"] == "simulated"
    assert client.post(url, headers=owner.headers, json={"action": "pause"}).status_code == 200


def test_only_instructors_change_the_clock_but_members_read_it(
    client: TestClient, factory: Factory, wall_clock: ManualWallClock
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner, clock={"mode": "simulated", "origin": ORIGIN})
    analyst = factory.member(ex, ExerciseRole.analyst)
    assert client.get(f"/api/v1/exercises/{ex.id}/clock", headers=analyst.headers).status_code == 200
    r = client.post(f"/api/v1/exercises/{ex.id}/clock", headers=analyst.headers, json={"action": "pause"})
    assert r.status_code == 403
    assert r.json()["required_roles"] == ["instructor"]


def test_real_clock_config_refuses_simulation_fields(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post(
        "/api/v1/exercises", headers=owner.headers, json={"name": "x", "clock": {"mode": "real", "speed": 5}}
    )
    assert r.status_code == 422


def test_times_must_be_rfc3339_strings(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner, clock={"mode": "simulated", "origin": ORIGIN})
    url = f"/api/v1/exercises/{ex.id}/clock"
    for body in ({"action": "jump", "to": 1893456000}, {"action": "set_mode", "mode": "simulated", "origin": 0}):
        r = client.post(url, headers=owner.headers, json=body)
        assert r.status_code == 422, body
