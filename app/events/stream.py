"""The live event stream of an exercise (Server-Sent Events; protocol in docs/stream.md).

The stream reads the event log itself, so every API process serves every change whichever process wrote it. Each
poll is one short read session: it releases scheduled events that have arrived (``app.events.scheduled``), reads the
events after the client's cursor in sequence order and keeps those the caller may see. No connection or transaction
is held between polls.

Who sees what: instructors and admins every event. Everyone else (supervisors, analysts, investigators) sees

- events whose subject is a case they see now (``app.cases.visibility``: their units' cases, arrived),
- events whose subject is a report whose case they see (``report.received`` ...), except ``report.scheduled``,
- ``exercise.clock_changed`` and ``exercise.status_changed`` (a front-end needs them to show the clock),

and nothing else (memberships, units, jurisdiction, address registry, seeding, protocol and other exercise events).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import Credential, ExerciseRole
from app.auth.principal import ExerciseContext, Principal
from app.cases.models import Case
from app.cases.visibility import report_arrived, visibility
from app.core.clock import wall
from app.db.session import Database
from app.events import scheduled
from app.events.models import Event
from app.reports.models import Report

SHARED_TYPES = frozenset({"exercise.clock_changed", "exercise.status_changed"})
INSTRUCTOR_ONLY_TYPES = frozenset({"report.scheduled"})
STREAM_ROLES = (ExerciseRole.instructor, ExerciseRole.supervisor, ExerciseRole.analyst, ExerciseRole.investigator)


@dataclass(frozen=True, slots=True)
class Poll:
    events: list[Event]  # what to send, in sequence order
    cursor: int  # the last sequence number looked at (sent or not)
    more: bool  # the batch was full: poll again at once
    ended: bool = False  # the caller no longer has access: end the stream


def type_filter(types: Sequence[str]) -> list[str]:
    """``?types=`` values: repeated and/or comma-separated; ``case.*`` matches every type starting ``case.``."""
    return sorted({t.strip() for value in types for t in value.split(",") if t.strip()})


def _events_after(exercise_id: uuid.UUID, after: int, types: Sequence[str]) -> Select[Event]:
    stmt = select(Event).where(Event.exercise_id == exercise_id, Event.seq > after)
    if types:
        exact = [t for t in types if not t.endswith(".*")]
        prefixes = [t[:-1] for t in types if t.endswith(".*")]
        stmt = stmt.where(
            or_(
                Event.type.in_(exact),
                *(Event.type.startswith(p, autoescape=True) for p in prefixes),
            )
        )
    return stmt.order_by(Event.seq)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value is not None else None
    except ValueError:
        return None


def sees_everything(ctx: ExerciseContext) -> bool:
    return ctx.principal.is_admin or ctx.role == ExerciseRole.instructor


def visible(session: Session, ctx: ExerciseContext, rows: Sequence[Event]) -> list[Event]:
    """The events of ``rows`` the caller may see (module docstring), judged by what the caller sees now."""
    if sees_everything(ctx):
        return list(rows)
    report_ids = {r for e in rows if e.subject_type == "report" and (r := _uuid(e.subject_id)) is not None}
    case_of_report: dict[uuid.UUID, uuid.UUID | None] = {}
    if report_ids:
        found = session.execute(
            select(Report.id, Report.case_id).where(
                Report.id.in_(report_ids), Report.exercise_id == ctx.exercise.id, report_arrived(ctx.now())
            )
        )
        case_of_report = dict(found.all())
    case_ids = {c for e in rows if e.subject_type == "case" and (c := _uuid(e.subject_id)) is not None}
    case_ids |= {c for c in case_of_report.values() if c is not None}
    seen: set[uuid.UUID] = set()
    if case_ids:
        seen = set(
            session.scalars(
                select(Case.id).where(
                    Case.id.in_(case_ids), Case.exercise_id == ctx.exercise.id, visibility(session, ctx).clause()
                )
            )
        )
    kept: list[Event] = []
    for e in rows:
        if e.type in INSTRUCTOR_ONLY_TYPES:
            continue
        if e.type in SHARED_TYPES or (e.subject_type == "case" and _uuid(e.subject_id) in seen):
            kept.append(e)
        elif e.subject_type == "report":
            report = _uuid(e.subject_id)
            if report is not None and case_of_report.get(report) in seen:
                kept.append(e)
    return kept


def poll(
    database: Database,
    *,
    exercise_id: uuid.UUID,
    principal: Principal,
    after: int,
    types: Sequence[str],
    limit: int,
) -> Poll:
    """One look at the log: release arrived scheduled events, then the caller's events after ``after``. The caller's
    token, membership and role are checked again each time: revoking or removing them ends the stream."""
    scheduled.release_if_due(database, exercise_id=exercise_id)
    with database.read_session_factory() as s:
        found = auth_service.exercise_and_membership(s, exercise_id=exercise_id, user_id=principal.user.id)
        if found is None or not _still_valid(s, principal):
            return Poll([], after, more=False, ended=True)
        exercise, membership = found
        if not principal.is_admin and (membership is None or membership.role not in STREAM_ROLES):
            return Poll([], after, more=False, ended=True)
        ctx = ExerciseContext(exercise, principal, membership)
        rows = list(s.scalars(_events_after(exercise_id, after, types).limit(limit)))
        if not rows:
            return Poll([], after, more=False)
        return Poll(visible(s, ctx, rows), rows[-1].seq, more=len(rows) == limit)


def _still_valid(session: Session, principal: Principal) -> bool:
    if principal.credential is None:
        return True
    cred = session.get(Credential, principal.credential.id)
    return cred is not None and cred.revoked_at is None and cred.expires_at > wall.now()
