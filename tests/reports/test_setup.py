"""The set-up intake reads (registry, units and areas, active ruleset, SLA policy): every write to it moves the
exercise's version, a version is never given twice, copies are shared while it is unchanged, and an intake after a
change sees the change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session

from app.addresses.models import AddressBlock
from app.auth.models import ExerciseRole, GlobalRole
from app.cases.models import SlaPolicy
from app.exercises.models import Exercise
from app.reports import setup
from app.routing.models import Ruleset
from app.units.models import JurisdictionArea, Unit
from tests.conftest import Factory

STAMP = "2026-03-02T08:00:00+00:00"


def _exercise(factory: Factory) -> Exercise:
    return factory.exercise(factory.user(GlobalRole.instructor))


def _version(session: Session, exercise: Exercise) -> int:
    return setup.version(session, exercise_id=exercise.id)


def _one(session: Session, model: Any, exercise: Exercise) -> Any:
    return session.scalars(select(model).where(model.exercise_id == exercise.id).limit(1)).one()


WRITES = {
    "unit": lambda s, ex: s.execute(update(Unit).where(Unit.id == _one(s, Unit, ex).id).values(name="Renamed unit")),
    "jurisdiction_area": lambda s, ex: s.execute(
        delete(JurisdictionArea).where(JurisdictionArea.id == _one(s, JurisdictionArea, ex).id)
    ),
    "address_block update": lambda s, ex: s.execute(
        update(AddressBlock).where(AddressBlock.id == _one(s, AddressBlock, ex).id).values(isp="Kenari Wireless")
    ),
    "address_block delete": lambda s, ex: s.execute(
        delete(AddressBlock).where(AddressBlock.id == _one(s, AddressBlock, ex).id)
    ),
    "routing_ruleset": lambda s, ex: s.execute(
        update(Ruleset).where(Ruleset.exercise_id == ex.id).values(description="changed")
    ),
    "case_sla_policy insert": lambda s, ex: s.add(
        SlaPolicy(exercise_id=ex.id, targets={}, at_risk_ratio=0.3, updated_at=ex.created_at)
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_to_the_set_up_moves_the_version(factory: Factory, session: Session, write: str) -> None:
    exercise, other = _exercise(factory), _exercise(factory)
    before, other_before = _version(session, exercise), _version(session, other)
    WRITES[write](session, exercise)
    session.flush()
    assert _version(session, exercise) != before
    assert _version(session, other) == other_before  # only the exercise written to


def test_an_sla_policy_update_and_delete_move_the_version(factory: Factory, session: Session) -> None:
    exercise = _exercise(factory)
    session.add(SlaPolicy(exercise_id=exercise.id, targets={}, at_risk_ratio=0.3, updated_at=exercise.created_at))
    session.flush()
    seen = [_version(session, exercise)]
    session.execute(update(SlaPolicy).where(SlaPolicy.exercise_id == exercise.id).values(at_risk_ratio=0.5))
    seen.append(_version(session, exercise))
    session.execute(delete(SlaPolicy).where(SlaPolicy.exercise_id == exercise.id))
    seen.append(_version(session, exercise))
    assert len(set(seen)) == 3


def test_a_version_is_not_given_again_after_a_rollback(factory: Factory, session: Session) -> None:
    exercise = _exercise(factory)
    before = _version(session, exercise)
    savepoint = session.begin_nested()
    WRITES["unit"](session, exercise)
    rolled_back = _version(session, exercise)
    savepoint.rollback()
    assert _version(session, exercise) == before
    WRITES["unit"](session, exercise)
    assert _version(session, exercise) not in {before, rolled_back}


def test_intake_and_other_writes_leave_the_version(client: TestClient, factory: Factory, session: Session) -> None:
    exercise = _exercise(factory)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    before = _version(session, exercise)
    r = client.post(f"/api/v1/exercises/{exercise.id}/reports", json=_report("192.0.2.10"), headers=reporter.headers)
    assert r.status_code == 201, r.text
    assert _version(session, exercise) == before


def test_a_copy_is_shared_until_the_set_up_changes(factory: Factory, session: Session) -> None:
    exercise = _exercise(factory)
    first = setup.current(session, exercise_id=exercise.id)
    assert setup.current(session, exercise_id=exercise.id) is first
    assert first.router is not None and first.router.memo_size == setup.ROUTER_MEMO  # one router, memo bounded
    assert all(inspect(u).detached for u in first.areas.units.values())  # no session expires or refreshes them
    assert first.ruleset is not None and inspect(first.ruleset).detached
    block = _one(session, AddressBlock, exercise)
    session.execute(update(AddressBlock).where(AddressBlock.id == block.id).values(isp="Kenari Wireless"))
    second = setup.current(session, exercise_id=exercise.id)
    assert second is not first and second.version != first.version
    address = _first_address(block.network)
    assert second.registry.geolocate([address])[address].isp == "Kenari Wireless"
    assert first.registry.geolocate([address])[address].isp != "Kenari Wireless"  # the old copy is unchanged


def test_a_copy_read_across_a_change_is_not_kept(
    factory: Factory, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    exercise = _exercise(factory)
    seen = iter([41, 42])  # a change committed by another transaction while the copy was being read
    monkeypatch.setattr(setup, "version", lambda _s, *, exercise_id: next(seen))
    read = setup.current(session, exercise_id=exercise.id)
    assert read.version == 41
    assert (exercise.id, 41) not in setup._CACHE and (exercise.id, 42) not in setup._CACHE


def _first_address(network: str) -> str:
    import ipaddress

    return str(next(iter(ipaddress.ip_network(network).hosts())))


def _report(ip: str) -> dict[str, Any]:
    return {
        "incidentSummary": {
            "incidentType": "Child Pornography (possession, manufacture, and distribution)",
            "incidentDateTime": STAMP,
        },
        "reporter": {"reportingPerson": {"email": [{"value": "trust.safety@pelangi-chat.example"}]}},
        "personOrUserReported": [
            {
                "screenName": f"user_{uuid.uuid4().hex[:8]}",
                "ipCaptureEvent": [{"ipAddress": ip, "eventName": "Login", "dateTime": STAMP}],
            }
        ],
    }


def test_intake_sees_each_registry_and_policy_change(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    base = f"/api/v1/exercises/{exercise.id}"

    def submit() -> dict[str, Any]:
        r = client.post(f"{base}/reports", json=_report("198.18.0.9"), headers=reporter.headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def city() -> str | None:
        return submit()["section_b"]["location"]["city"]

    default_city = city()
    assert default_city not in (None, "Kota Depok", "Kota Bekasi")
    block = {
        "network": "198.18.0.0/28",
        "country": "ID",
        "province": "Jawa Barat",
        "city": "Kota Depok",
        "isp": "Kenari Wireless",
    }
    r = client.post(f"{base}/address-blocks", json=block, headers=owner.headers)
    assert r.status_code == 201, r.text
    assert city() == "Kota Depok"
    block_url = f"{base}/address-blocks/{r.json()['id']}"
    assert client.patch(block_url, json={"city": "Kota Bekasi"}, headers=owner.headers).status_code == 200
    assert city() == "Kota Bekasi"
    assert client.delete(block_url, headers=owner.headers).status_code == 204
    assert city() == default_city

    case_url = f"{base}/cases/{submit()['case_id']}"
    due_before = client.get(case_url, headers=owner.headers).json()["sla"]["triage_due_at"]
    targets = {"2": {"triage_minutes": 5, "action_minutes": 10}}  # an unprioritised case runs on priority 2's
    r = client.put(f"{base}/sla", json={"targets": targets, "at_risk_ratio": 0.25}, headers=owner.headers)
    assert r.status_code == 200, r.text
    case_url = f"{base}/cases/{submit()['case_id']}"
    due_after = client.get(case_url, headers=owner.headers).json()["sla"]["triage_due_at"]
    assert due_after is not None and due_after < due_before
