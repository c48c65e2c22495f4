"""Assignment: a supervisor assigns (or reassigns) a case to a unit they see and optionally to an investigator of
that unit or a unit below it; an investigator claims a case of their units; the assignee or a supervisor releases
it. A triaged case becomes ``assigned`` when it gets its unit this way."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, Membership
from app.auth.principal import ExerciseContext
from app.cases import errors, service
from app.cases.models import Case, CaseStatus
from app.cases.visibility import subtree, visibility
from app.core.errors import Forbidden

ASSIGNERS = (ExerciseRole.supervisor, ExerciseRole.instructor)
CLAIMERS = (ExerciseRole.investigator, ExerciseRole.supervisor, ExerciseRole.instructor)


def _require(ctx: ExerciseContext, roles: tuple[ExerciseRole, ...], what: str) -> None:
    if not ctx.principal.is_admin and ctx.role not in roles:
        raise Forbidden(f"Your role ({ctx.role}) may not {what}.", extra={"required_roles": sorted(roles)})


def _open(case: Case) -> None:
    if case.status in service.TERMINAL:
        raise errors.CaseClosed(f"The case is {case.status}; reopen it before assigning it.")


def eligible(session: Session, ctx: ExerciseContext, *, unit_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = session.scalar(
        select(Membership.id).where(
            Membership.exercise_id == ctx.exercise.id,
            Membership.user_id == user_id,
            Membership.role == ExerciseRole.investigator,
            Membership.unit_id.in_(subtree(ctx.exercise.id, unit_id)),
        )
    )
    return found is not None


def _moved(session: Session, ctx: ExerciseContext, case: Case, at: datetime) -> None:
    if case.status == CaseStatus.triaged:
        service.apply_transition(session, ctx=ctx, case=case, target=CaseStatus.assigned, at=at, authorised=True)


def assign(
    session: Session,
    *,
    ctx: ExerciseContext,
    case: Case,
    unit_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    at: datetime,
) -> Case:
    _require(ctx, ASSIGNERS, "assign cases")
    _open(case)
    if not visibility(session, ctx).sees_unit(session, unit_id):
        raise errors.UnitNotAssignable(
            "That unit is not one of this exercise's units that you can assign cases to.",
            extra={"pointer": "/unit_id"},
        )
    if assignee_id is not None and not eligible(session, ctx, unit_id=unit_id, user_id=assignee_id):
        raise errors.AssigneeNotEligible(
            "The assignee must be an investigator of that unit or of a unit below it.",
            extra={"pointer": "/assignee_id"},
        )
    old = {"unit_id": case.unit_id, "assignee_id": case.assignee_id}
    new = {"unit_id": unit_id, "assignee_id": assignee_id}
    if old != new:
        case.unit_id, case.assignee_id = unit_id, assignee_id
        service.touch(case, at)
        service.record(session, ctx=ctx, case=case, at=at, type="case.assigned", data={"old": old, "new": new})
    _moved(session, ctx, case, at)
    return case


def claim(session: Session, *, ctx: ExerciseContext, case: Case, at: datetime) -> Case:
    _require(ctx, CLAIMERS, "claim cases")
    _open(case)
    me = ctx.principal.user.id
    if case.assignee_id == me:
        return case
    if case.assignee_id is not None:
        raise errors.AlreadyAssigned("The case has an assignee; a supervisor can reassign it.")
    if case.unit_id is None or not visibility(session, ctx).sees_unit(session, case.unit_id):
        raise errors.UnitNotAssignable("Only cases assigned to one of your units can be claimed.")
    case.assignee_id = me
    service.touch(case, at)
    service.record(
        session, ctx=ctx, case=case, at=at, type="case.claimed", data={"old": None, "new": me, "unit_id": case.unit_id}
    )
    _moved(session, ctx, case, at)
    return case


def release(session: Session, *, ctx: ExerciseContext, case: Case, at: datetime) -> Case:
    _open(case)
    if case.assignee_id is None:
        return case
    if case.assignee_id != ctx.principal.user.id and not ctx.principal.is_admin and ctx.role not in ASSIGNERS:
        raise errors.NotAssignee("Only the assignee or a supervisor may release this case.")
    old = case.assignee_id
    case.assignee_id = None
    service.touch(case, at)
    service.record(session, ctx=ctx, case=case, at=at, type="case.released", data={"old": old, "new": None})
    return case
