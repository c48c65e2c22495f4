"""Events whose exercise time is still ahead: held back until the exercise clock reaches them.

A scheduled report (drip-fed arrivals, docs/stream.md) must not show in the log before it arrives, yet the log's
sequence numbers must stay gap-free and strictly increasing in the order readers see them, so a stream resumed by
sequence number never misses an event. Such events therefore do not take a sequence number when they are made:
they wait in ``event_scheduled`` and are appended to the log (:func:`release_due`) once the exercise clock passes
their ``at``, keeping ``at`` (the arrival) as their exercise time. Pausing the clock holds them; speeding it up
releases them sooner. Release happens on demand (each poll of an event stream, :func:`release_if_due`) and in the
background of ``tipdesk serve`` (:class:`PeriodicRelease`), whichever comes first; concurrent releases by several
processes are safe: each takes the exercise's log head lock first and deletes the rows it appends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.clock import ExerciseClock
from app.core.periodic import Periodic
from app.db.bulk import insert_rows
from app.db.session import Database
from app.events import chain
from app.events.models import EventStream, ScheduledEvent
from app.events.service import Draft, append_many
from app.exercises.models import Exercise

log = logging.getLogger("tipdesk.arrivals")


def schedule(session: Session, *, exercise_id: uuid.UUID, drafts: Sequence[Draft]) -> None:
    """Hold the drafts until the exercise clock reaches each one's ``at``."""
    rows = [
        {
            "exercise_id": exercise_id,
            "at": d.at.astimezone(UTC),
            "actor": d.actor,
            "type": d.type,
            "subject_type": d.subject_type,
            "subject_id": str(d.subject_id) if d.subject_id is not None else None,
            "data": chain.to_json_data(d.data or {}),
        }
        for d in drafts
    ]
    if rows:
        insert_rows(session, ScheduledEvent, rows)


def next_due(session: Session, *, exercise_id: uuid.UUID) -> datetime | None:
    """The exercise time of the earliest held event, if any."""
    return session.scalar(
        select(ScheduledEvent.at).where(ScheduledEvent.exercise_id == exercise_id).order_by(ScheduledEvent.at).limit(1)
    )


def release_due(session: Session, *, exercise_id: uuid.UUID, now: datetime) -> int:
    """Append every held event with ``at <= now`` to the log, in order of ``at`` (then of scheduling)."""
    # the log head's row lock first: releases of one exercise queue behind each other and behind appends
    session.execute(select(EventStream.exercise_id).where(EventStream.exercise_id == exercise_id).with_for_update())
    due = session.execute(
        delete(ScheduledEvent)
        .where(ScheduledEvent.exercise_id == exercise_id, ScheduledEvent.at <= now)
        .returning(
            ScheduledEvent.id,
            ScheduledEvent.at,
            ScheduledEvent.actor,
            ScheduledEvent.type,
            ScheduledEvent.subject_type,
            ScheduledEvent.subject_id,
            ScheduledEvent.data,
        )
        .execution_options(synchronize_session=False)
    ).all()
    due = sorted(due, key=lambda r: (r.at, r.id))
    append_many(
        session,
        exercise_id=exercise_id,
        drafts=[Draft(r.at, r.actor, r.type, r.subject_type, r.subject_id, dict(r.data)) for r in due],
    )
    return len(due)


def release_if_due(database: Database, *, exercise_id: uuid.UUID) -> int:
    """Release the exercise's due events if there are any: a read first, a (short) write transaction only then."""
    with database.read_session_factory() as s:
        exercise = s.get(Exercise, exercise_id)
        first = next_due(s, exercise_id=exercise_id) if exercise is not None else None
        if exercise is None or first is None or first > ExerciseClock(exercise.clock_state).now():
            return 0
    with database.session_factory.begin() as session:
        exercise = session.get(Exercise, exercise_id)
        if exercise is None:
            return 0
        return release_due(session, exercise_id=exercise_id, now=ExerciseClock(exercise.clock_state).now())


def release_all(database: Database) -> dict[str, int]:
    """Release due events of every exercise holding some; the count released per exercise id."""
    with database.read_session_factory() as s:
        ids = list(s.scalars(select(ScheduledEvent.exercise_id).distinct()))
    found: dict[str, int] = {}
    for exercise_id in ids:
        count = release_if_due(database, exercise_id=exercise_id)
        if count:
            found[str(exercise_id)] = count
    return found


class PeriodicRelease(Periodic):
    """A daemon thread releasing due events every ``interval`` real seconds until :meth:`stop`."""

    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        super().__init__("tipdesk-arrivals", self._round, interval, log)

    def _round(self) -> None:
        found = release_all(self.database)
        if found:
            log.debug("scheduled events released: %s", found)
