"""SLA clocks on the exercise clock: time to triage and time to first action, with targets per priority.

Defaults (an exercise may set its own with ``PUT .../sla``):

| priority | triage | first action |
|---|---|---|
| E (exigent) | 1 h | 4 h |
| 1 | 4 h | 24 h |
| 2 | 24 h | 72 h |
| 3 | 72 h | 14 days |

A case without a priority is held to the targets of priority 2 (``UNPRIORITISED``) until one is set. Both clocks
run from the moment the case is opened (its first report received). The triage clock is met when the case is first
triaged, the first-action clock when it first enters ``investigating``, ``referred`` or ``closed``. Time spent
``on_hold`` is not counted: holding stops both clocks and resuming moves their due times later by the time held.

``sla_due_at`` is the earliest due time among the clocks not yet met, ``sla_warn_at`` the moment the case becomes
*at risk* on that clock (the last ``at_risk_ratio`` of its target, 25% by default). A case is *breached* while
``sla_due_at`` is in the past. The sweeper records one ``case.sla_breached`` event per case and clock, the first time
it finds that clock overdue (a clock met late before any sweep is recorded when it is met); an exercise whose clock
jumps forward gets every breach real time would have produced, each carrying its ``due_at``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases.models import Case, CaseStatus, Priority, SlaPolicy
from app.core.clock import ExerciseClock
from app.events import service as events_service
from app.exercises.models import Exercise, ExerciseStatus

HOUR = 60
DEFAULT_TARGETS: dict[str, dict[str, int]] = {
    Priority.exigent: {"triage_minutes": 1 * HOUR, "action_minutes": 4 * HOUR},
    Priority.p1: {"triage_minutes": 4 * HOUR, "action_minutes": 24 * HOUR},
    Priority.p2: {"triage_minutes": 24 * HOUR, "action_minutes": 72 * HOUR},
    Priority.p3: {"triage_minutes": 72 * HOUR, "action_minutes": 14 * 24 * HOUR},
}
DEFAULT_AT_RISK_RATIO = 0.25
UNPRIORITISED = Priority.p2
STOPPED = (CaseStatus.closed, CaseStatus.referred)
SlaState = Literal["ok", "at_risk", "breached", "paused", "met"]


@dataclass(frozen=True, slots=True)
class Policy:
    targets: dict[str, dict[str, int]]
    at_risk_ratio: float

    def for_priority(self, priority: str | None) -> dict[str, int]:
        return self.targets[priority or UNPRIORITISED]


DEFAULT_POLICY = Policy(DEFAULT_TARGETS, DEFAULT_AT_RISK_RATIO)


def policy_for(session: Session, *, exercise_id: uuid.UUID) -> Policy:
    row = session.get(SlaPolicy, exercise_id)
    if row is None:
        return DEFAULT_POLICY
    return Policy({**DEFAULT_TARGETS, **row.targets}, row.at_risk_ratio)


def set_policy(session: Session, *, ctx: ExerciseContext, targets: dict[str, Any], at_risk_ratio: float) -> None:
    row = session.get(SlaPolicy, ctx.exercise.id)
    at = ctx.now()
    if row is None:
        row = SlaPolicy(exercise_id=ctx.exercise.id, targets=targets, at_risk_ratio=at_risk_ratio, updated_at=at)
        session.add(row)
    else:
        row.targets, row.at_risk_ratio, row.updated_at = targets, at_risk_ratio, at
    session.flush()
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=at,
        actor=ctx.actor,
        type="exercise.sla_changed",
        subject_type="exercise",
        subject_id=ctx.exercise.id,
        data={"targets": targets, "at_risk_ratio": at_risk_ratio},
    )


def _paused(case: Case) -> timedelta:
    return timedelta(seconds=case.sla_paused_seconds or 0.0)


def recompute(case: Case, policy: Policy) -> None:
    """Due times from the case's priority, its opening time and the time held so far; then the running clock."""
    target = policy.for_priority(case.priority)
    start = case.created_at + _paused(case)
    case.triage_due_at = start + timedelta(minutes=target["triage_minutes"])
    case.action_due_at = start + timedelta(minutes=target["action_minutes"])
    _running(case, policy)


def _running(case: Case, policy: Policy) -> None:
    """``sla_due_at``: the earliest due time among the clocks not yet met (both run from the opening)."""
    case.sla_due_at = case.sla_warn_at = None
    if case.status in STOPPED or case.status == CaseStatus.on_hold:
        return
    target = policy.for_priority(case.priority)
    unmet = [
        (due, minutes)
        for due, minutes, met in (
            (case.triage_due_at, target["triage_minutes"], case.triaged_at),
            (case.action_due_at, target["action_minutes"], case.first_action_at),
        )
        if met is None and due is not None
    ]
    if not unmet:
        return
    due, minutes = min(unmet, key=lambda pair: pair[0])
    case.sla_due_at = due
    case.sla_warn_at = due - timedelta(minutes=minutes * policy.at_risk_ratio)


def pause(case: Case, *, now: datetime) -> None:
    case.sla_paused_at = now
    case.sla_due_at = case.sla_warn_at = None


def resume(case: Case, policy: Policy, *, now: datetime) -> None:
    if case.sla_paused_at is not None:
        case.sla_paused_seconds = (case.sla_paused_seconds or 0.0) + max(
            0.0, (now - case.sla_paused_at).total_seconds()
        )
        case.sla_paused_at = None
    recompute(case, policy)


def state(case: Case, now: datetime) -> SlaState:
    """``paused`` (on hold), ``met`` (no clock left running), ``breached``, ``at_risk`` or ``ok``, as the list filter
    decides."""
    if case.status == CaseStatus.on_hold:
        return "paused"
    if case.sla_due_at is None:
        return "met"
    if case.sla_due_at <= now:
        return "breached"
    if case.sla_warn_at is not None and case.sla_warn_at <= now:
        return "at_risk"
    return "ok"


def filter_clause(which: str, now: datetime) -> Any:
    if which == "breached":
        return Case.sla_due_at <= now
    return (Case.sla_warn_at <= now) & (Case.sla_due_at > now)


def sweep(session: Session, *, exercise: Exercise, now: datetime | None = None) -> int:
    """Record each overdue clock of the exercise's cases once; returns how many breaches were recorded.

    The conditional ``UPDATE ... WHERE <clock>_breached_at IS NULL`` is what makes a breach recorded once: concurrent
    sweepers (several API processes, the CLI) queue on the row lock and only the first one matches the row.
    """
    at = now or ExerciseClock(exercise.clock_state).now()
    count = 0
    for clock, mark, due_col, met in (
        ("triage", Case.triage_breached_at, Case.triage_due_at, Case.triaged_at),
        ("first_action", Case.action_breached_at, Case.action_due_at, Case.first_action_at),
    ):
        rows = session.execute(
            update(Case)
            # sla_due_at (indexed) is the earliest unmet due time: null while held or after closing
            .where(Case.exercise_id == exercise.id, Case.sla_due_at <= at)
            .where(met.is_(None), due_col <= at, mark.is_(None))
            .values({mark: at})
            .returning(Case.id, Case.number, Case.priority, due_col)
            .execution_options(synchronize_session=False)
        ).all()
        for case_id, number, priority, due_at in sorted(rows, key=lambda r: (r[3], r[1])):
            assert due_at is not None  # the update matched only rows with a due time
            _breach_event(
                session,
                exercise_id=exercise.id,
                case_id=case_id,
                number=number,
                clock=clock,
                priority=priority,
                due_at=due_at,
                at=at,
            )
            count += 1
    session.flush()
    return count


def _breach_event(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    case_id: uuid.UUID,
    number: int,
    clock: str,
    priority: str | None,
    due_at: datetime,
    at: datetime,
) -> None:
    events_service.append(
        session,
        exercise_id=exercise_id,
        at=at,
        actor=events_service.SYSTEM_ACTOR,
        type="case.sla_breached",
        subject_type="case",
        subject_id=case_id,
        data={
            "number": number,
            "clock": clock,
            "priority": priority,
            "due_at": due_at,
            "overdue_seconds": round((at - due_at).total_seconds(), 3),
        },
    )


def settle_before_meeting(session: Session, case: Case, *, clock: str, now: datetime) -> None:
    """A clock met after its due time that no sweep has recorded yet is recorded now, so every breach is recorded
    exactly once whether or not a sweeper ran in between (the caller holds the case's row lock)."""
    if clock == "triage":
        due, mark = case.triage_due_at, "triage_breached_at"
    else:
        due, mark = case.action_due_at, "action_breached_at"
    if due is None or due > now or getattr(case, mark) is not None or case.status == CaseStatus.on_hold:
        return
    setattr(case, mark, now)
    _breach_event(
        session,
        exercise_id=case.exercise_id,
        case_id=case.id,
        number=case.number,
        clock=clock,
        priority=case.priority,
        due_at=due,
        at=now,
    )


SWEPT = (ExerciseStatus.draft, ExerciseStatus.active, ExerciseStatus.paused)


def exercises_to_sweep(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Exercise.id).where(Exercise.status.in_(SWEPT)).order_by(Exercise.id)))
