"""Handing a case on: a transfer to another unit of the exercise, or a referral to an agency outside it.

- **Transfer** (``case.transferred``): an instructor, or a supervisor who sees the case — a supervisor of the holding
  unit or of a unit above it, or of the national intake — moves it to any active unit of the exercise, with a
  reason. The status is kept (the receiving unit's supervisors reassign it); an assignee who is not an investigator
  of the receiving unit or of a unit below it is cleared. Closed and referred cases are not transferred (409);
  the unit already holding the case is a 409; a retired or unknown unit is a 422.
- **Referral** (``case.referred``): the lifecycle's move to ``referred`` (disposition ``referred_out``; the roles and
  source statuses are the lifecycle's), naming the outside agency and its country.

Each hand-over is also a ``case_handover`` row carrying the sequence number of its event; rows are only ever added,
so earlier holders (and the routing decision that placed the case first) stay on record beside the event log, in
the log's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases import assignment, errors, service
from app.cases.models import Case, CaseHandover, CaseStatus, HandoverKind
from app.core.errors import Forbidden
from app.units.models import Unit

TRANSFERRERS = (ExerciseRole.supervisor, ExerciseRole.instructor)


def transfer(
    session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, unit_id: uuid.UUID, reason: str, if_match: str | None
) -> Case:
    case = service.lock(session, ctx=ctx, case_id=case_id, if_match=if_match)  # 404 outside the caller's view
    if not ctx.principal.is_admin and ctx.role not in TRANSFERRERS:
        raise Forbidden(
            f"Your role ({ctx.role}) may not transfer cases.", extra={"required_roles": sorted(TRANSFERRERS)}
        )
    if case.status in service.TERMINAL:
        raise errors.CaseClosed(f"The case is {case.status}; reopen it before transferring it.")
    target = session.get(Unit, unit_id)
    if target is None or target.exercise_id != ctx.exercise.id or target.retired:
        raise errors.UnitNotTransferable(
            "Cases can be transferred to active units of this exercise only.", extra={"pointer": "/unit_id"}
        )
    if case.unit_id == unit_id:
        raise errors.AlreadyHeld(f"The case is already held by {target.code}.", extra={"pointer": "/unit_id"})
    at = ctx.now()
    previous, cleared = case.unit_id, None
    if case.assignee_id is not None and not assignment.eligible(
        session, ctx, unit_id=unit_id, user_id=case.assignee_id
    ):
        cleared, case.assignee_id = case.assignee_id, None
    case.unit_id = unit_id
    service.touch(case, at)
    data = {"from_unit_id": previous, "to_unit_id": unit_id, "reason": reason, "assignee_cleared": cleared}
    _hand_over(
        session, ctx, case, at, HandoverKind.transfer, data, from_unit_id=previous, to_unit_id=unit_id, reason=reason
    )
    return case


def refer(
    session: Session,
    *,
    ctx: ExerciseContext,
    case_id: uuid.UUID,
    agency: str,
    country: str,
    reason: str,
    if_match: str | None,
) -> Case:
    case = service.lock(session, ctx=ctx, case_id=case_id, if_match=if_match)
    at = ctx.now()
    service.apply_transition(session, ctx=ctx, case=case, target=CaseStatus.referred, at=at, reason=reason)
    data = {"unit_id": case.unit_id, "agency": agency, "country": country, "reason": reason}
    _hand_over(
        session,
        ctx,
        case,
        at,
        HandoverKind.referral,
        data,
        from_unit_id=case.unit_id,
        agency=agency,
        country=country,
        reason=reason,
    )
    return case


EVENT_TYPES = {HandoverKind.transfer: "case.transferred", HandoverKind.referral: "case.referred"}


def _hand_over(
    session: Session,
    ctx: ExerciseContext,
    case: Case,
    at: datetime,
    kind: HandoverKind,
    data: dict[str, Any],
    **row: Any,
) -> None:
    """The hand-over's event and its record, which keeps the event's place in the log."""
    event = service.record(session, ctx=ctx, case=case, at=at, type=EVENT_TYPES[kind], data=data)
    session.add(
        CaseHandover(
            exercise_id=case.exercise_id, case_id=case.id, kind=kind, actor=ctx.actor, at=at, seq=event.seq, **row
        )
    )
    session.flush()


def handovers(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID) -> Sequence[CaseHandover]:
    """The case's transfers and referrals, oldest first (404 for a case outside the caller's view): in the order of
    their events in the exercise's log, which holds even when several share one exercise time (a paused clock)."""
    case = service.get(session, ctx=ctx, case_id=case_id)
    order = (CaseHandover.seq, CaseHandover.at, CaseHandover.id)
    stmt = select(CaseHandover).where(CaseHandover.case_id == case.id).order_by(*order)
    return session.scalars(stmt).all()
