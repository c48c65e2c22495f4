"""The debrief of a shift: what happened hour by hour, the SLA breaches, the cases most trainees got wrong and why,
and every trainee's scorecard, as JSON and as one self-contained HTML page (``app.scoring.page``)."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases.models import Case
from app.events.models import Event
from app.scoring import metrics, service
from app.scoring.facts import CaseFacts, Shift
from app.scoring.metrics import Outcome
from app.scoring.page import render as render_html
from app.scoring.schemas import (
    BreachRead,
    DebriefRead,
    HardCaseRead,
    HourRead,
    MistakeRead,
    MomentRead,
    PatternRead,
)

MAX_BARS = 96
HARDEST = 10
PATTERNS = 10
MAX_MOMENTS = 200

__all__ = ["build", "render_html"]


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def hours(opened: list[datetime], triaged: list[datetime], breaches: list[datetime], end: datetime) -> list[HourRead]:
    """Buckets of whole hours from the first arrival to `end` (wider buckets for long shifts, at most 96 bars)."""
    if not opened:
        return []
    start = _floor_hour(min(opened))
    last = max([end, *opened, *triaged])
    span = max(1, math.ceil((last - start).total_seconds() / 3600))
    width = max(1, math.ceil(span / MAX_BARS))
    count = math.ceil(span / width) or 1

    def bucket(values: list[datetime]) -> Counter[int]:
        return Counter(min(count - 1, max(0, int((v - start).total_seconds() // (3600 * width)))) for v in values)

    a, t, b = bucket(opened), bucket(triaged), bucket(breaches)
    return [
        HourRead(start=start + timedelta(hours=i * width), hours=width, arrivals=a[i], triaged=t[i], breaches=b[i])
        for i in range(count)
    ]


def _breaches(session: Session, shift: Shift, exercise_id: uuid.UUID) -> list[BreachRead]:
    rows = session.execute(
        select(Event.at, Event.subject_id, Event.data)
        .where(Event.exercise_id == exercise_id, Event.type == "case.sla_breached")
        .order_by(Event.seq)
    ).all()
    out = []
    recorded: set[tuple[str, str]] = set()
    for at, subject_id, data in rows:
        case_id = uuid.UUID(str(subject_id))
        keyed = shift.cases.get(case_id)
        due = datetime.fromisoformat(str(data["due_at"]))
        recorded.add((str(case_id), str(data.get("clock"))))
        out.append(
            BreachRead(
                case_id=case_id,
                case_number=int(data.get("number", keyed.number if keyed else 0)),
                clock=str(data.get("clock")),
                priority=data.get("priority"),
                expected_priority=keyed.expected.priority if keyed else None,
                due_at=due,
                recorded_at=at,
                overdue_minutes=round((at - due).total_seconds() / 60, 1),
            )
        )
    overdue = session.execute(
        select(Case.id, Case.number, Case.priority, Case.triage_due_at).where(
            Case.exercise_id == exercise_id,
            Case.triaged_at.is_(None),
            Case.triage_breached_at.is_(None),
            Case.sla_due_at.is_not(None),
            Case.triage_due_at <= shift.now,
        )
    ).all()
    for case_id, number, priority, due_at in overdue:
        if due_at is None or (str(case_id), "triage") in recorded:
            continue
        keyed = shift.cases.get(case_id)
        out.append(
            BreachRead(
                case_id=case_id,
                case_number=number,
                clock="triage",
                priority=priority,
                expected_priority=keyed.expected.priority if keyed else None,
                due_at=due_at,
                recorded_at=None,
                overdue_minutes=round((shift.now - due_at).total_seconds() / 60, 1),
            )
        )
    return sorted(out, key=lambda b: (b.due_at, b.case_number))


def _interim_mistakes(shift: Shift, case: CaseFacts) -> list[tuple[str, str, str, str]]:
    """Decisions trainees made along the way that the key contradicts, even if someone fixed them later:
    (metric, expected, actual, actor)."""
    out = []
    for e in case.events:
        if not shift.is_trainee(e.actor):
            continue
        if e.type == "case.updated" and e.data.get("field") == "priority":
            new = e.data.get("new")
            if new != case.expected.priority:
                out.append(("priority", case.expected.priority, str(new or "none"), e.actor))
        elif e.type in metrics.UNIT_EVENTS and metrics._changes_unit(e):
            unit = metrics._unit_of(e)
            if case.expected.unit_id is not None and unit != case.expected.unit_id:
                out.append(("routing", shift.unit_label(case.expected.unit_id), shift.unit_label(unit), e.actor))
    return out


def hardest(shift: Shift, outcomes: list[Outcome]) -> list[HardCaseRead]:
    wrong: dict[uuid.UUID, dict[tuple[str, str, str], set[str]]] = {}
    for o in outcomes:
        if not o.ok and o.actor is not None and o.metric != "untouched":
            wrong.setdefault(o.case_id, {}).setdefault((o.metric, o.expected, o.actual), set()).add(o.actor)
    for case in shift.cases.values():
        for metric, expected, actual, actor in _interim_mistakes(shift, case):
            wrong.setdefault(case.id, {}).setdefault((metric, expected, actual), set()).add(actor)
    rows = []
    for case_id, mistakes in wrong.items():
        case = shift.cases[case_id]
        acted = {e.actor for e in case.events if shift.is_trainee(e.actor)}
        who = set().union(*mistakes.values())
        rows.append(
            HardCaseRead(
                case_id=case_id,
                case_number=case.number,
                reports=list(case.expected.reports),
                trainees_acted=len(acted),
                trainees_wrong=len(who),
                mistakes=[
                    MistakeRead(
                        metric=m, expected=exp, actual=act, trainees=sorted(shift.trainees[a].username for a in actors)
                    )
                    for (m, exp, act), actors in sorted(mistakes.items())
                ],
                why=case.expected.rationale,
            )
        )
    rows.sort(key=lambda r: (-r.trainees_wrong, -len(r.mistakes), r.case_number))
    return rows[:HARDEST]


def patterns(outcomes: list[Outcome]) -> list[PatternRead]:
    counted = Counter(
        (o.metric, o.expected, o.actual)
        for o in outcomes
        if not o.ok and o.actor is not None and o.metric in ("priority", "routing", "escalations")
    )
    return [
        PatternRead(metric=m, expected=e, actual=a, cases=n)
        for (m, e, a), n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:PATTERNS]
    ]


def timeline(shift: Shift, breaches: list[BreachRead]) -> list[MomentRead]:
    moments: list[MomentRead] = []
    first_action = min(
        (e.at for c in shift.cases.values() for e in c.events if shift.is_trainee(e.actor)), default=None
    )
    if first_action is not None:
        moments.append(MomentRead(at=first_action, kind="shift", text="first trainee action"))
    for case in shift.cases.values():
        if case.expected.priority != "E":
            continue
        moments.append(
            MomentRead(at=case.created_at, kind="exigent", text="exigent report arrives", case_number=case.number)
        )
        if case.triaged_at is not None:
            minutes = (case.triaged_at - case.created_at).total_seconds() / 60
            moments.append(
                MomentRead(
                    at=case.triaged_at,
                    kind="exigent",
                    text=f"exigent case triaged after {minutes:.0f} min (priority {case.priority or 'none'})",
                    case_number=case.number,
                )
            )
    for b in breaches:
        moments.append(
            MomentRead(
                at=b.recorded_at or b.due_at,
                kind="breach",
                text=f"{b.clock} SLA breached (priority {b.priority or 'none'})",
                case_number=b.case_number,
            )
        )
    moments.sort(key=lambda m: (m.at, m.case_number or 0))
    return moments[:MAX_MOMENTS]


def build(session: Session, *, ctx: ExerciseContext) -> DebriefRead:
    result = service.compute(session, exercise=ctx.exercise)
    shift = result.shift
    all_cases = session.execute(
        select(Case.created_at, Case.triaged_at).where(Case.exercise_id == ctx.exercise.id)
    ).all()
    breaches = _breaches(session, shift, ctx.exercise.id)
    opened = [c for c, _ in all_cases]
    triaged = [t for _, t in all_cases if t is not None]
    return DebriefRead(
        exercise_id=ctx.exercise.id,
        exercise_name=ctx.exercise.name,
        at=shift.now,
        start=min(opened) if opened else None,
        cases=len(all_cases),
        keyed_cases=len(shift.cases),
        triaged=len(triaged),
        untouched=sum(1 for c in shift.cases.values() if not metrics.touched(shift, c)),
        hours=hours(opened, triaged, [b.recorded_at or b.due_at for b in breaches], shift.now),
        timeline=timeline(shift, breaches),
        sla_breaches=breaches,
        hardest_cases=hardest(shift, result.outcomes),
        patterns=patterns(result.outcomes),
        cohort=service.card(shift, result.cohort()),
        scorecards=[service.trainee_score(result, t) for t in shift.trainees.values()],
    )
