"""Transfers to another unit and referrals to outside agencies: rights, effects, events and the hand-over record."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.auth.models import ExerciseRole as R
from app.cases.models import CaseHandover, CaseStatus
from app.events.models import Event
from app.units.models import Unit
from tests.cases.conftest import World


def _post(client: TestClient, world: World, case: object, actor: Any, tail: str, **body: Any) -> Any:
    return client.post(world.url(case, tail), headers=actor.headers, json=body)


def _events(world: World, case: Any, type_: str) -> list[Event]:
    stmt = select(Event).where(Event.subject_id == str(case.id), Event.type == type_).order_by(Event.seq)
    return list(world.session.scalars(stmt))


def test_a_supervisor_of_the_holding_unit_transfers_a_case_to_another_polda(client: TestClient, world: World) -> None:
    supervisor = world.member(R.supervisor, "POLDA-A")
    investigator = world.member(R.investigator, "POLRES-A1")
    case = world.case(CaseStatus.assigned, unit="POLRES-A1", assignee_id=investigator.user.id)
    target = world.units["POLDA-B"]

    r = _post(client, world, case, supervisor, "/transfer", unit_id=str(target.id), reason="Suspect lives in B")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit_id"] == str(target.id) and body["status"] == "assigned"
    assert body["assignee_id"] is None, "the investigator of POLRES-A1 is not one of POLDA-B's"
    assert body["version"] == case.version + 1 and r.headers["ETag"] == f'"{body["version"]}"'
    assert [e["type"] for e in body["routing"]["events"]][-1] == "case.transferred"

    [event] = _events(world, case, "case.transferred")
    assert event.data == {
        "from_unit_id": str(world.units["POLRES-A1"].id),
        "to_unit_id": str(target.id),
        "reason": "Suspect lives in B",
        "assignee_cleared": str(investigator.user.id),
    }
    # the case has left the supervisor's view; the instructor reads the hand-over record and the history
    assert client.get(world.url(case), headers=supervisor.headers).status_code == 404
    [handover] = client.get(world.url(case, "/handovers"), headers=world.owner.headers).json()
    assert handover["kind"] == "transfer" and handover["from_unit_id"] == str(world.units["POLRES-A1"].id)
    assert handover["to_unit_id"] == str(target.id) and handover["reason"] == "Suspect lives in B"
    history = client.get(world.url(case, "/history"), headers=world.owner.headers).json()["items"]
    assert "case.transferred" in [h["type"] for h in history]


def test_an_assignee_inside_the_receiving_subtree_stays(client: TestClient, world: World) -> None:
    investigator = world.member(R.investigator, "POLRES-A1")
    case = world.case(CaseStatus.investigating, unit="POLDA-B", assignee_id=investigator.user.id)
    r = _post(client, world, case, world.owner, "/transfer", unit_id=str(world.units["POLDA-A"].id), reason="back")
    assert r.status_code == 200, r.text
    assert r.json()["assignee_id"] == str(investigator.user.id) and r.json()["status"] == "investigating"
    assert _events(world, case, "case.transferred")[0].data["assignee_cleared"] is None


def test_national_intake_transfers_an_unrouted_case(client: TestClient, world: World) -> None:
    national = world.member(R.supervisor, "NAT")
    case = world.case(CaseStatus.new)
    r = _post(client, world, case, national, "/transfer", unit_id=str(world.units["POLDA-A"].id), reason="routing")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "new" and r.json()["unit_id"] == str(world.units["POLDA-A"].id)
    assert _events(world, case, "case.transferred")[0].data["from_unit_id"] is None


def test_transfer_rights_404_outside_the_view_403_when_visible(client: TestClient, world: World) -> None:
    case = world.case(CaseStatus.triaged, unit="POLDA-A")
    to_b = {"unit_id": str(world.units["POLDA-B"].id), "reason": "r"}
    other_analyst = world.member(R.analyst, "POLDA-B")
    other_supervisor = world.member(R.supervisor, "POLDA-B")
    own_analyst = world.member(R.analyst, "POLDA-A")
    own_investigator = world.member(R.investigator, "POLDA-A")
    lower_supervisor = world.member(R.supervisor, "POLRES-A1")
    assert _post(client, world, case, other_analyst, "/transfer", **to_b).status_code == 404
    assert _post(client, world, case, other_supervisor, "/transfer", **to_b).status_code == 404
    assert _post(client, world, case, lower_supervisor, "/transfer", **to_b).status_code == 404
    for actor in (own_analyst, own_investigator):
        r = _post(client, world, case, actor, "/transfer", **to_b)
        assert r.status_code == 403, r.text
        assert r.json()["required_roles"] == ["instructor", "supervisor"]
    world.session.expire_all()
    assert _events(world, case, "case.transferred") == []
    assert world.session.scalars(select(CaseHandover)).all() == []


def test_bad_transfers_are_refused_and_change_nothing(client: TestClient, world: World) -> None:
    case = world.case(CaseStatus.triaged, unit="POLDA-A")
    url = world.url(case, "/transfer")
    h = world.owner.headers
    a, b = str(world.units["POLDA-A"].id), str(world.units["POLDA-B"].id)

    r = client.post(url, headers=h, json={"unit_id": a, "reason": "same"})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:already-held"
    r = client.post(url, headers=h, json={"unit_id": "00000000-0000-4000-8000-000000000000", "reason": "x"})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unit-not-transferable"
    for body in ({"unit_id": b}, {"unit_id": b, "reason": "   "}, {"unit_id": "nope", "reason": "x"}, {}):
        r = client.post(url, headers=h, json=body)
        assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:validation-error", body
    r = client.post(url, headers={**h, "If-Match": '"99"'}, json={"unit_id": b, "reason": "x"})
    assert r.status_code == 412

    retire = update(Unit).where(Unit.id == world.units["POLDA-B"].id).values(retired_at=world.exercise.created_at)
    world.session.execute(retire)
    world.session.commit()
    r = client.post(url, headers=h, json={"unit_id": b, "reason": "x"})
    assert r.status_code == 422 and r.json()["pointer"] == "/unit_id"

    closed = world.case(CaseStatus.closed, unit="POLDA-A")
    r = client.post(
        world.url(closed, "/transfer"), headers=h, json={"unit_id": str(world.units["NAT"].id), "reason": "x"}
    )
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:case-closed"
    world.session.expire_all()
    assert (
        _events(world, case, "case.transferred") == []
        and world.session.get(type(case), case.id).version == case.version
    )


def test_referral_moves_the_case_to_referred_with_its_agency(client: TestClient, world: World) -> None:
    supervisor = world.member(R.supervisor, "POLDA-A")
    case = world.case(CaseStatus.triaged, unit="POLDA-A")
    body = {"agency": "Example Regional Police Liaison", "country": "SG", "reason": "Reported user is abroad"}
    r = _post(client, world, case, supervisor, "/refer", **body)
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["status"] == "referred" and read["disposition"] == "referred_out"
    [event] = _events(world, case, "case.referred")
    assert event.data == {"unit_id": str(world.units["POLDA-A"].id), **body}
    assert [e.data["to"] for e in _events(world, case, "case.transitioned")] == ["referred"]
    [handover] = client.get(world.url(case, "/handovers"), headers=supervisor.headers).json()
    assert handover["kind"] == "referral" and handover["agency"] == body["agency"] and handover["country"] == "SG"
    assert handover["to_unit_id"] is None

    # referred is terminal: neither a second referral nor a transfer
    r = _post(client, world, case, supervisor, "/refer", **body)
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:invalid-transition"
    r = _post(client, world, case, supervisor, "/transfer", unit_id=str(world.units["POLDA-B"].id), reason="x")
    assert r.status_code == 409


def test_referral_rights_and_validation(client: TestClient, world: World) -> None:
    analyst = world.member(R.analyst, "POLDA-A")
    case = world.case(CaseStatus.triaged, unit="POLDA-A")
    good = {"agency": "Example Agency", "country": "MY", "reason": "abroad"}
    r = _post(client, world, case, analyst, "/refer", **good)
    assert r.status_code == 403 and r.json()["type"] == "urn:tipdesk:problem:transition-forbidden"
    outsider = world.member(R.supervisor, "POLDA-B")
    assert _post(client, world, case, outsider, "/refer", **good).status_code == 404
    for bad in (
        {**good, "country": "XX"},
        {**good, "country": "sg"},
        {**good, "country": "SGP"},
        {**good, "agency": ""},
        {**good, "reason": ""},
        {"agency": "A", "country": "SG"},
    ):
        r = _post(client, world, case, world.owner, "/refer", **bad)
        assert r.status_code == 422, bad
    new_case = world.case(CaseStatus.new, unit="POLDA-A")
    r = _post(client, world, new_case, world.owner, "/refer", **good)
    assert r.status_code == 409 and r.json()["allowed"] == ["triaged", "closed"]
    world.session.expire_all()
    assert world.session.scalars(select(CaseHandover)).all() == []
    assert world.session.get(type(case), case.id).status == CaseStatus.triaged


def test_handovers_of_an_invisible_case_are_404(client: TestClient, world: World) -> None:
    case = world.case(CaseStatus.triaged, unit="POLDA-A")
    outsider = world.member(R.analyst, "POLDA-B")
    assert client.get(world.url(case, "/handovers"), headers=outsider.headers).status_code == 404
    assert client.get(world.url(case, "/handovers"), headers=world.owner.headers).json() == []
