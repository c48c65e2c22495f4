"""Cases: opening, loading under the visibility rule and a row lock, versions, transitions.

Every change locks the case row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write transaction holds the
database lock), checks ``If-Match`` against the locked version, bumps the version and appends its events in the same
transaction, so concurrent writers queue and none overwrites another's change.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases import errors, lifecycle, sla
from app.cases.models import NO_PRIORITY_RANK, PRIORITY_RANK, Case, CaseStatus, Classification, Priority
from app.cases.visibility import visibility
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.events import chain
from app.events import service as events_service
from app.events.models import Event
from app.stats import facts

TERMINAL = (CaseStatus.closed, CaseStatus.referred)
LIFECYCLE = lifecycle.DEFAULT


class _NewCaseClocks:
    """What ``sla.recompute`` reads and sets of a case just opened, without an ORM instance (intake opens many)."""

    __slots__ = (
        "action_due_at",
        "created_at",
        "first_action_at",
        "priority",
        "sla_due_at",
        "sla_paused_seconds",
        "sla_warn_at",
        "status",
        "triage_due_at",
        "triaged_at",
    )

    def __init__(self, priority: str | None, created_at: datetime) -> None:
        self.priority, self.created_at, self.status, self.sla_paused_seconds = priority, created_at, CaseStatus.new, 0.0
        self.triaged_at = self.first_action_at = None


def _sla_columns(priority: str | None, created_at: datetime, policy: sla.Policy) -> dict[str, Any]:
    """The SLA columns of a case not yet triaged, as ``sla.recompute`` sets them."""
    probe = _NewCaseClocks(priority, created_at)
    sla.recompute(cast(Case, probe), policy)
    return {c: getattr(probe, c) for c in ("triage_due_at", "action_due_at", "sla_due_at", "sla_warn_at")}


def esp_name(ctx: ExerciseContext) -> str:
    """The reporting organisation of a report posted by ``ctx`` (intake records it as the report's ``esp_name``)."""
    return ctx.principal.user.display_name


def build_case(
    ctx: ExerciseContext,
    *,
    number: int,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
    policy: sla.Policy,
    incident_type: str | None = None,
    province: str | None = None,
    case_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
    priority: str | None = None,
    tags: Sequence[str] = (),
) -> tuple[dict[str, Any], events_service.Draft]:
    """A new case's row (state ``new``; urgent reports start at priority E, exigent, others at ``priority`` if
    given: routing's suggestion) and its ``case.opened`` event, for the caller to insert with its report. ``unit_id``
    and ``tags``: as routing decided."""
    case_id = case_id or new_id()
    priority = Priority.exigent if urgent else Priority(priority) if priority else None
    row: dict[str, Any] = {
        "id": case_id,
        "exercise_id": ctx.exercise.id,
        "number": number,
        "status": CaseStatus.new,
        "priority": priority,
        "priority_rank": PRIORITY_RANK[priority] if priority else NO_PRIORITY_RANK,
        "classification": classification,
        "urgent": urgent,
        "incident_type": incident_type,
        "province": province,
        "unit_id": unit_id,
        "assignee_id": None,
        "tags": list(tags),
        "notes": [],
        "version": 1,
        "sla_paused_seconds": 0.0,
        **facts.opened(esp_name(ctx)),
        "created_at": at,
        "updated_at": at,
        **_sla_columns(priority, at, policy),
    }
    event = events_service.Draft(
        at=at,
        actor=ctx.actor,
        type="case.opened",
        subject_type="case",
        subject_id=case_id,
        data={
            "number": number,
            "classification": classification,
            "urgent": urgent,
            "priority": priority,
            "report_number": report_number,
        },
    )
    return row, event


def report_added(
    ctx: ExerciseContext,
    *,
    case: dict[str, Any],
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> events_service.Draft:
    """A further report joins an open case (a bundle), given as its row's values (changed in place): a referral or
    urgent report makes the case so, and an urgent one gives a case without a priority priority E (the caller then
    recomputes the SLA clocks). Returns the ``case.report_added`` event."""
    changes: dict[str, dict[str, object]] = {}
    if classification == Classification.referral and case["classification"] != Classification.referral:
        changes["classification"] = {"old": case["classification"], "new": Classification.referral}
        case["classification"] = Classification.referral
    if urgent and not case["urgent"]:
        changes["urgent"] = {"old": False, "new": True}
        case["urgent"] = True
        if case["priority"] is None:
            changes["priority"] = {"old": None, "new": Priority.exigent}
            case["priority"], case["priority_rank"] = Priority.exigent, PRIORITY_RANK[Priority.exigent]
    case["version"] += 1
    case["updated_at"] = at
    return events_service.Draft(
        at=at,
        actor=ctx.actor,
        type="case.report_added",
        subject_type="case",
        subject_id=case["id"],
        data={"report_number": report_number, "reason": "batchedReport", "changes": changes},
    )


def add_to_new_row(
    ctx: ExerciseContext,
    *,
    case: dict[str, Any],
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
    policy: sla.Policy,
) -> events_service.Draft:
    """``report_added`` for a case opened in the same batch (a row not yet inserted)."""
    event = report_added(
        ctx, case=case, classification=classification, urgent=urgent, at=at, report_number=report_number
    )
    case.update(_sla_columns(case["priority"], case["created_at"], policy))
    facts.report_joined(case, esp_name(ctx))
    return event


JOINED_COLUMNS = (
    "id",
    "classification",
    "urgent",
    "priority",
    "priority_rank",
    "version",
    "updated_at",
    "report_count",
    "esp_key",
)


def join_stored_case(
    session: Session,
    *,
    ctx: ExerciseContext,
    case: Case,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> events_service.Draft:
    """``report_added`` for a case already in the database, updated here under its row lock."""
    session.refresh(case, with_for_update=True)
    values = {c: getattr(case, c) for c in JOINED_COLUMNS}
    event = report_added(
        ctx, case=values, classification=classification, urgent=urgent, at=at, report_number=report_number
    )
    facts.report_joined(values, esp_name(ctx))
    priority_changed = values["priority"] != case.priority
    for column, value in values.items():
        setattr(case, column, value)
    if priority_changed:
        sla.recompute(case, sla.policy_for(session, exercise_id=case.exercise_id))
    session.flush()
    return event


def record(
    session: Session, *, ctx: ExerciseContext, case: Case, at: datetime, type: str, data: dict[str, Any]
) -> Event:
    return events_service.append(
        session,
        exercise_id=case.exercise_id,
        at=at,
        actor=ctx.actor,
        type=type,
        subject_type="case",
        subject_id=case.id,
        data=data,
    )


def get(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID) -> Case:
    return _load(session, ctx, [case_id], lock=False)[0]


def lock(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, if_match: str | None = None) -> Case:
    """The visible case, re-read under its row lock, with ``If-Match`` checked against the locked version."""
    case = _load(session, ctx, [case_id], lock=True)[0]
    check_etag(case, if_match)
    return case


def lock_many(session: Session, *, ctx: ExerciseContext, case_ids: Sequence[uuid.UUID]) -> list[Case]:
    """Several visible cases locked in id order (so two requests locking overlapping sets cannot deadlock)."""
    return _load(session, ctx, sorted(set(case_ids)), lock=True)


def _load(session: Session, ctx: ExerciseContext, case_ids: Sequence[uuid.UUID], *, lock: bool) -> list[Case]:
    stmt = (
        select(Case)
        .where(Case.id.in_(case_ids), Case.exercise_id == ctx.exercise.id, visibility(session, ctx).clause())
        .order_by(Case.id)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Case)
    found = list(session.scalars(stmt))
    if len(found) != len(case_ids):
        missing = sorted({*case_ids} - {c.id for c in found}, key=str)
        raise errors.CaseNotFound(errors.CASE_NOT_FOUND, extra={"case_ids": [str(m) for m in missing]})
    return found


def etag(case: Case) -> str:
    return f'"{case.version}"'


def check_etag(case: Case, if_match: str | None) -> None:
    if if_match is None:
        return
    offered = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in offered or etag(case) in offered:
        return
    raise errors.StaleVersion(
        "The case changed since you read it; read it again and retry.",
        extra={"current_etag": etag(case)},
        headers={"ETag": etag(case)},
    )


def touch(case: Case, at: datetime) -> None:
    case.version += 1
    case.updated_at = at


def caller_role(ctx: ExerciseContext) -> ExerciseRole | None:
    """The role transitions are checked against; None for an admin, who may make every transition."""
    return None if ctx.principal.is_admin else ctx.role


def apply_transition(
    session: Session,
    *,
    ctx: ExerciseContext,
    case: Case,
    target: CaseStatus,
    at: datetime,
    reason: str | None = None,
    disposition: str | None = None,
    authorised: bool = False,
) -> Case:
    """Check a transition against the lifecycle and apply it to a locked case, with its event. ``authorised``: the
    caller's right was checked by the action that implies the transition (assignment, merge)."""
    role = None if authorised else caller_role(ctx)
    _transition, proposes = lifecycle.check(LIFECYCLE, case, target=target, role=role, disposition=disposition)
    if proposes:
        case.closure_proposal = chain.to_json_data(
            {"to": target, "disposition": disposition, "reason": reason, "by": ctx.actor, "at": at}
        )
        touch(case, at)
        record(session, ctx=ctx, case=case, at=at, type="case.closure_proposed", data=dict(case.closure_proposal))
        return case
    previous = case.status
    extra = lifecycle.dispatch(
        session,
        case,
        target=target,
        now=at,
        policy=sla.policy_for(session, exercise_id=case.exercise_id),
        disposition=disposition,
    )
    touch(case, at)
    record(
        session,
        ctx=ctx,
        case=case,
        at=at,
        type="case.transitioned",
        data={"from": previous, "to": target, "reason": reason, **extra},
    )
    return case


def transition(
    session: Session,
    *,
    ctx: ExerciseContext,
    case_id: uuid.UUID,
    target: CaseStatus,
    reason: str | None,
    disposition: str | None,
    if_match: str | None,
) -> Case:
    case = lock(session, ctx=ctx, case_id=case_id, if_match=if_match)
    return apply_transition(
        session, ctx=ctx, case=case, target=target, at=ctx.now(), reason=reason, disposition=disposition
    )


def history(
    session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, params: PageParams
) -> tuple[list[Event], str | None, int | None]:
    get(session, ctx=ctx, case_id=case_id)
    stmt = select(Event).where(
        Event.exercise_id == ctx.exercise.id, Event.subject_type == "case", Event.subject_id == str(case_id)
    )
    return paginate(session, stmt, keys=[Event.seq], params=params)
