"""The metric functions on hand-built shifts: bundles split across cases, deconfliction flags and transfers (which
other domains are adding: their events and links are read by name), attribution to the decisive trainee."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from app.cases.sla import DEFAULT_POLICY
from app.scoring.facts import CaseEvent, CaseFacts, Expectation, Link, Shift, Trainee
from app.scoring.metrics import Context, bundles, deconfliction, priority, routing, triage_time

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ALICE, BOB = "user:" + str(uuid.UUID(int=1)), "user:" + str(uuid.UUID(int=2))
UNIT_A, UNIT_B = uuid.UUID(int=101), uuid.UUID(int=102)


def trainee(actor: str) -> Trainee:
    user_id = uuid.UUID(actor.removeprefix("user:"))
    return Trainee(user_id, actor[-4:], actor[-4:], "supervisor", None, None, None)  # type: ignore[arg-type]


def case(number: int, *, expected_priority: str = "2", unit: uuid.UUID | None = UNIT_A, **kw: Any) -> CaseFacts:
    expectation = Expectation(
        priority=expected_priority,
        unit_id=UNIT_A,
        unit_code="A",
        should_escalate=expected_priority == "E",
        duplicate_of_report=kw.pop("duplicate_of_report", None),
        bundles=kw.pop("bundles", ()),
        subject=kw.pop("subject", None),
        rationale="because",
        reports=(number,),
    )
    fields: dict[str, Any] = {
        "id": uuid.UUID(int=number),
        "number": number,
        "status": "triaged",
        "priority": kw.pop("priority", expected_priority),
        "unit_id": unit,
        "tags": [],
        "disposition": None,
        "created_at": T0,
        "triaged_at": kw.pop("triaged_at", T0 + timedelta(minutes=5)),
        "paused_seconds": 0.0,
        "triage_breached_at": None,
        "action_breached_at": None,
        "expected": expectation,
    }
    fields.update(kw)
    return CaseFacts(**fields)


def event(c: CaseFacts, seq: int, actor: str, type_: str, minutes: float = 1, **data: Any) -> None:
    c.events.append(CaseEvent(seq, T0 + timedelta(minutes=minutes), actor, type_, c.id, data))


def shift(*cases: CaseFacts, links: tuple[Link, ...] = (), now: datetime = T0 + timedelta(hours=1)) -> Shift:
    s = Shift(
        uuid.uuid4(),
        now,
        {a: trainee(a) for a in (ALICE, BOB)},
        {c.id: c for c in cases},
        {c.number: c.id for c in cases},
        list(links),
        {},
    )
    for link in links:
        if link.kind == "deconfliction":
            for cid in (link.case_id, link.other_id):
                s.flags.setdefault(cid, link.created_at)
    return s


def link(a: CaseFacts, b: CaseFacts, kind: str, by: str, minutes: float = 2) -> Link:
    return Link(a.id, b.id, kind, by, T0 + timedelta(minutes=minutes))


def test_a_bundle_split_over_cases_is_found_when_its_cases_are_joined() -> None:
    first, joined, apart = (case(n, bundles=("b1",)) for n in (1, 2, 3))
    for c in (first, joined, apart):
        event(c, c.number, BOB, "case.transitioned", **{"from": "new", "to": "triaged"})
    outcomes = bundles(
        Context.build(shift(first, joined, apart, links=(link(joined, first, "related", ALICE),)), DEFAULT_POLICY)
    )
    by_case = {o.case_number: o for o in outcomes}
    assert set(by_case) == {2, 3}  # the bundle's first case is the anchor, no opportunity itself
    assert by_case[2].ok and by_case[2].actor == ALICE  # credited to whoever made the link
    assert not by_case[3].ok and by_case[3].actor == BOB  # missed: the case's owner


def test_deconfliction_has_no_opportunity_without_flags_and_counts_acting_on_one() -> None:
    a, b, c = case(1, subject="s1"), case(2, subject="s1"), case(3, subject="s2")
    for x in (a, b, c):
        event(x, x.number, BOB, "case.transitioned", **{"from": "new", "to": "triaged"})
    assert deconfliction(Context.build(shift(a, b, c), DEFAULT_POLICY)) == []
    flagged = shift(a, b, c, links=(link(a, b, "deconfliction", "system", minutes=3),))
    event(a, 10, ALICE, "case.transferred", minutes=4, from_unit_id=str(UNIT_B), to_unit_id=str(UNIT_A), reason="lead")
    outcomes = {o.case_number: o for o in deconfliction(Context.build(flagged, DEFAULT_POLICY))}
    assert set(outcomes) == {1, 2}
    assert outcomes[1].ok and outcomes[1].actor == ALICE
    assert not outcomes[2].ok and outcomes[2].actor == BOB


def test_a_transfer_to_the_right_unit_earns_the_routing_credit() -> None:
    fixed = case(1, unit=UNIT_A)
    event(fixed, 1, BOB, "case.assigned", old={"unit_id": None}, new={"unit_id": str(UNIT_B)})
    event(fixed, 2, ALICE, "case.transferred", from_unit_id=str(UNIT_B), to_unit_id=str(UNIT_A), reason="misrouted")
    wrong = case(2, unit=UNIT_B)
    event(wrong, 3, BOB, "case.routed", unit_id=str(UNIT_B))  # routed by a trainee, never corrected
    outcomes = {o.case_number: o for o in routing(Context.build(shift(fixed, wrong), DEFAULT_POLICY))}
    assert outcomes[1].ok and outcomes[1].actor == ALICE and "transferred" in outcomes[1].note
    assert not outcomes[2].ok and outcomes[2].actor == BOB


def test_priority_goes_to_the_last_trainee_who_set_it_and_exigent_weighs_three() -> None:
    c = case(1, expected_priority="E", priority="1")
    event(c, 1, ALICE, "case.updated", field="priority", old=None, new="E")
    event(c, 2, BOB, "case.updated", field="priority", old="E", new="1")
    untouched = case(2)
    [o] = priority(Context.build(shift(c, untouched), DEFAULT_POLICY))
    assert (o.case_number, o.actor, o.ok, o.weight) == (1, BOB, False, 3)


def test_triage_time_is_judged_on_the_key_priority_target() -> None:
    # Expected E (1 h), set to 3 (72 h) and triaged after 2 h: on time by the case's clock, late by the key.
    late = case(1, expected_priority="E", priority="3", triaged_at=T0 + timedelta(hours=2))
    event(late, 1, ALICE, "case.transitioned", minutes=120, **{"from": "new", "to": "triaged"})
    waiting = case(2, expected_priority="3", triaged_at=None)  # not triaged, not yet due: no verdict
    event(waiting, 2, ALICE, "case.updated", field="tags", old=[], new=["x"])
    outcomes = triage_time(Context.build(shift(late, waiting, now=T0 + timedelta(hours=3)), DEFAULT_POLICY))
    assert [(o.case_number, o.ok) for o in outcomes] == [(1, False)]
