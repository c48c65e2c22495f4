"""Assignment: assign and reassign within the caller's units, claim, release."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole as R
from app.cases.models import CaseStatus
from tests.cases.conftest import World


def _assign(client: TestClient, world: World, case: object, actor: object, **body: object) -> object:
    return client.post(world.url(case, "/assignment"), headers=actor.headers, json=body)  # type: ignore[attr-defined]


def test_assign_reassign_within_visible_units(client: TestClient, world: World) -> None:
    national = world.member(R.supervisor)
    regional = world.member(R.supervisor, "POLDA-A")
    investigator = world.member(R.investigator, "POLRES-A1")
    other_investigator = world.member(R.investigator, "POLDA-B")
    analyst = world.member(R.analyst)
    case = world.case(CaseStatus.triaged)
    unit = {code: str(u.id) for code, u in world.units.items()}

    r = _assign(client, world, case, analyst, action="assign", unit_id=unit["POLDA-A"])
    assert r.status_code == 403
    r = _assign(
        client, world, case, national, action="assign", unit_id=unit["POLDA-A"], assignee_id=str(investigator.user.id)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "assigned" and body["unit_id"] == unit["POLDA-A"]
    assert body["assignee_id"] == str(investigator.user.id) and body["version"] == 3
    assert body["routing"]["unit"]["code"] == "POLDA-A"
    assert [e["type"] for e in body["routing"]["events"]] == ["case.assigned"]
    assert body["routing"]["events"][0]["data"]["new"]["unit_id"] == unit["POLDA-A"]

    # the regional supervisor sees only POLDA-A's subtree: POLDA-B is not a unit they can assign to
    r = _assign(client, world, case, regional, action="assign", unit_id=unit["POLDA-B"])
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unit-not-assignable"
    r = _assign(
        client,
        world,
        case,
        regional,
        action="assign",
        unit_id=unit["POLRES-A1"],
        assignee_id=str(other_investigator.user.id),
    )
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:assignee-not-eligible"
    r = _assign(
        client, world, case, regional, action="assign", unit_id=unit["POLRES-A1"], assignee_id=str(analyst.user.id)
    )
    assert r.status_code == 422
    r = _assign(client, world, case, regional, action="assign", unit_id=unit["POLRES-A1"])
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r.json()["assignee_id"] is None
    # once it is in POLDA-B, the regional supervisor of POLDA-A no longer sees it
    assert _assign(client, world, case, national, action="assign", unit_id=unit["POLDA-B"]).status_code == 200
    assert client.get(world.url(case), headers=regional.headers).status_code == 404
    assert _assign(client, world, case, regional, action="release").status_code == 404


def test_claim_and_release(client: TestClient, world: World) -> None:
    first = world.member(R.investigator, "POLDA-A")
    second = world.member(R.investigator, "POLRES-A1")
    case = world.case(CaseStatus.triaged, unit="POLRES-A1")
    unrouted = world.case(CaseStatus.triaged)
    r = _assign(client, world, case, first, action="claim")
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r.json()["assignee_id"] == str(first.user.id)
    assert _assign(client, world, case, first, action="claim").json()["version"] == r.json()["version"]  # no-op
    r = _assign(client, world, case, second, action="claim")
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:already-assigned"
    r = _assign(client, world, case, second, action="release")
    assert r.status_code == 403 and r.json()["type"] == "urn:tipdesk:problem:not-assignee"
    r = _assign(client, world, case, first, action="release")
    assert r.status_code == 200 and r.json()["assignee_id"] is None and r.json()["status"] == "assigned"
    assert _assign(client, world, case, second, action="claim").status_code == 200
    # a case with no unit is claimable by nobody (and invisible to unit investigators)
    assert _assign(client, world, unrouted, world.owner, action="claim").status_code == 422
    assert _assign(client, world, unrouted, first, action="claim").status_code == 404
    closed = world.case(CaseStatus.closed, unit="POLDA-A")
    r = _assign(client, world, closed, world.owner, action="assign", unit_id=str(world.units["NAT"].id))
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:case-closed"
    history = client.get(world.url(case, "/history"), headers=world.owner.headers).json()["items"]
    assert [h["type"] for h in history if h["type"].startswith("case.c") or h["type"] == "case.released"] == [
        "case.claimed",
        "case.released",
        "case.claimed",
    ]
