"""A case's hand-overs keep the event log's order: on a paused simulated clock (every hand-over at one exercise
time), and when supervisors race to transfer one case on committed data, each transfer starts from the unit the
one before it left the case in."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth.models import ExerciseRole as R
from app.cases.models import Case, CaseHandover, CaseStatus
from app.core.clock import ManualWallClock
from app.db.session import Database
from app.events.models import Event
from app.units.models import Unit
from tests.cases.conftest import World
from tests.cases.test_concurrency import Committed, _race, _verify, committed  # noqa: F401 (a fixture)
from tests.cases.test_sla import _simulated

RACERS = 10


def test_hand_overs_at_one_exercise_time_list_in_the_order_they_were_made(
    client: TestClient, world: World, wall_clock: ManualWallClock
) -> None:
    _simulated(world)  # paused: every request below happens at the same exercise time
    h = world.owner.headers
    case = world.case(CaseStatus.triaged, unit="NAT")
    route = ["POLDA-A", "POLDA-B", "POLRES-A1", "POLDA-A", "POLDA-B", "NAT", "POLRES-A1", "POLDA-B"]
    for code in route:
        body = {"unit_id": str(world.units[code].id), "reason": f"to {code}"}
        assert client.post(world.url(case, "/transfer"), headers=h, json=body).status_code == 200
    referral = {"agency": "Example Agency (fictional)", "country": "MY", "reason": "abroad"}
    assert client.post(world.url(case, "/refer"), headers=h, json=referral).status_code == 200
    handovers = client.get(world.url(case, "/handovers"), headers=h).json()
    assert len({x["at"] for x in handovers}) == 1
    assert [x["reason"] for x in handovers] == [*(f"to {code}" for code in route), "abroad"]
    units = [world.units["NAT"].id, *(world.units[code].id for code in route)]
    assert [(x["from_unit_id"], x["to_unit_id"]) for x in handovers[:-1]] == [
        (str(a), str(b)) for a, b in itertools.pairwise(units)
    ]
    events = world.session.scalars(
        select(Event.seq)
        .where(Event.subject_id == str(case.id), Event.type.in_(("case.transferred", "case.referred")))
        .order_by(Event.seq)
    ).all()
    assert [x["seq"] for x in handovers] == list(events)


def test_racing_transfers_serialise_and_each_starts_where_the_last_ended(
    committed: Committed,  # noqa: F811 (the fixture imported above)
    database: Database,
) -> None:
    """Ten national supervisors transfer one case at once: with the same `If-Match` exactly one wins; without it
    every transfer is applied in turn (or refused as already held), none from a stale unit."""
    w, client = committed.world, committed.client
    supervisors = [w.member(R.supervisor) for _ in range(RACERS)]
    units = list(w.session.scalars(select(Unit.id).where(Unit.exercise_id == w.exercise.id).limit(RACERS)))
    assert len(units) == RACERS
    case = w.case(CaseStatus.triaged)

    def call(i: int, if_match: str | None) -> Callable[[], Any]:
        headers = {**supervisors[i].headers, **({"If-Match": if_match} if if_match else {})}
        body = {"unit_id": str(units[i]), "reason": f"race {i}"}
        return lambda: client.post(w.url(case, "/transfer"), headers=headers, json=body)

    first = Counter(r.status_code for r in _race([call(i, f'"{case.version}"') for i in range(RACERS)]))
    assert first == {200: 1, 412: RACERS - 1}, first
    second = _race([call(i, None) for i in range(RACERS)])
    statuses = Counter(r.status_code for r in second)
    # the round's first transfer may target the unit that already holds the case (409 already-held): at most one
    assert statuses[200] + statuses[409] == RACERS and statuses[409] <= 1, [r.text for r in second]
    with database.read_session_factory() as s:
        rows = s.scalars(select(CaseHandover).where(CaseHandover.case_id == case.id).order_by(CaseHandover.seq)).all()
        stored = s.get(Case, case.id)
        assert stored is not None and stored.unit_id == rows[-1].to_unit_id
        assert len(rows) == 1 + statuses[200] and stored.version == case.version + len(rows)
    assert rows[0].from_unit_id is None
    for before, after in itertools.pairwise(rows):
        assert after.from_unit_id == before.to_unit_id  # no transfer worked from a stale unit
    _verify(database, w.exercise.id)
