"""Expiry of open reports, on the exercise clock: an open report is deleted 24 hours after it was opened or one
hour after its last change, whichever is later (the protocol's rule). Each deletion is recorded as `ispws.expired`.

Expired reports are deleted when a call touches one, when their exercise opens a new one, and by `purge_all`
(`tipdesk ispws purge`, for a periodic sweeper).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.clock import ExerciseClock
from app.events import service as events_service
from app.exercises.models import Exercise
from app.ispws.events import record
from app.ispws.models import IspwsReport, IspwsStatus

OPEN_FOR = timedelta(hours=24)
IDLE_FOR = timedelta(hours=1)


def expires_at(opened_at: datetime, changed_at: datetime) -> datetime:
    return max(opened_at + OPEN_FOR, changed_at + IDLE_FOR)


def purge(session: Session, *, exercise_id: uuid.UUID, now: datetime, report_id: int | None = None) -> int:
    """Delete the exercise's open reports expired by `now` (or just `report_id`), their files with them (foreign
    key cascade), and record each; how many. The expiry is re-checked by the DELETE itself, so a report another
    transaction changed meanwhile is kept, and row locks come before the event log's lock."""
    stmt = delete(IspwsReport).where(
        IspwsReport.exercise_id == exercise_id,
        IspwsReport.status == IspwsStatus.open,
        IspwsReport.expires_at <= now,
    )
    if report_id is not None:
        stmt = stmt.where(IspwsReport.id == report_id)
    deleted = session.execute(
        stmt.returning(IspwsReport.id, IspwsReport.opened_at, IspwsReport.expires_at, IspwsReport.file_count),
        execution_options={"synchronize_session": False},
    ).all()
    for gone in sorted(deleted):
        record(
            session,
            exercise_id=exercise_id,
            actor=events_service.SYSTEM_ACTOR,
            at=now,
            type="expired",
            report_id=gone.id,
            data={"opened_at": gone.opened_at, "expires_at": gone.expires_at, "files": gone.file_count},
        )
    return len(deleted)


def purge_all(session: Session) -> int:
    """Delete every expired open report, each exercise on its own clock; how many."""
    exercise_ids = session.scalars(
        select(IspwsReport.exercise_id).where(IspwsReport.status == IspwsStatus.open).distinct()
    ).all()
    total = 0
    for exercise_id in exercise_ids:
        exercise = session.get(Exercise, exercise_id)
        if exercise is not None:
            total += purge(session, exercise_id=exercise.id, now=ExerciseClock(exercise.clock_state).now())
    return total
