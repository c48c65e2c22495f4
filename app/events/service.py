"""Appending to, reading and verifying an exercise's event log.

:func:`append` is the one way any domain records a change. It runs inside the caller's transaction, so the state
change and its event commit (or roll back) together. Appends are serialised per exercise by the row lock taken by
the ``UPDATE`` of the exercise's :class:`EventStream` head, which makes ``seq`` gap-free and strictly increasing
across threads and processes (PostgreSQL row lock; on SQLite, the database write lock).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, select, update
from sqlalchemy.orm import Session

from app.core.clock import wall
from app.core.pagination import PageParams, paginate
from app.db.bulk import Writes, insert_rows
from app.db.direct import Direct
from app.events import chain
from app.events.models import GENESIS_HASH, Event, EventStream

SYSTEM_ACTOR = "system"


def actor_for_user(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def open_stream(session: Session, *, exercise_id: uuid.UUID) -> None:
    session.add(EventStream(exercise_id=exercise_id, last_seq=0, last_hash=GENESIS_HASH))
    session.flush()


@dataclass(frozen=True, slots=True)
class Draft:
    """An event to append: everything but its place in the chain."""

    at: datetime
    actor: str
    type: str
    subject_type: str
    subject_id: uuid.UUID | str | None
    data: dict[str, Any] | None = None


def append(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    at: datetime,
    actor: str,
    type: str,
    subject_type: str,
    subject_id: uuid.UUID | str | None,
    data: dict[str, Any] | None = None,
) -> Event:
    rows = _chain(session, exercise_id, [Draft(at, actor, type, subject_type, subject_id, data)])
    event = Event(**rows[0])
    session.add(event)
    session.flush()
    return event


def append_many(
    session: Session, *, exercise_id: uuid.UUID, drafts: Sequence[Draft], writes: Writes | None = None
) -> None:
    """Append several events in order with two statements for the head and one multi-row insert. With ``writes``,
    the head's sequence numbers are reserved now (taking its row lock) and the insert and the head's new hash are
    queued there, to be sent with the caller's other writes of the transaction."""
    if not drafts:
        return
    if writes is None:
        insert_rows(session, Event, _chain(session, exercise_id, drafts))
        return
    rows = _chain(session, exercise_id, drafts, record_head=False)
    writes.insert(Event, rows)
    writes.update(EventStream, key={"exercise_id": exercise_id}, values={"last_hash": rows[-1]["hash"]})


def _chain(
    session: Session, exercise_id: uuid.UUID, drafts: Sequence[Draft], *, record_head: bool = True
) -> list[dict[str, Any]]:
    """Reserve the drafts' sequence numbers (taking the head's row lock) and hash them into the chain; ``record_head``:
    also record the new last hash in the head (otherwise the caller does, in the same transaction)."""
    head = _RESERVE.one(session, {"stream": exercise_id, "count": len(drafts)})
    seq, prev_hash = int(head[0]) - len(drafts), str(head[1])
    recorded = wall.now()
    rows: list[dict[str, Any]] = []
    exercise = str(exercise_id)
    times: dict[datetime, str] = {}  # the drafts of one change share their time: each written once
    for draft in drafts:
        seq += 1
        at = draft.at.astimezone(UTC)
        at_text = times.get(at)
        if at_text is None:
            at_text = times[at] = chain.rfc3339(at)
        data, data_text = chain.json_data(draft.data or {})
        subject_id = str(draft.subject_id) if draft.subject_id is not None else None
        digest = chain.text_hash(
            chain.canonical_text(
                exercise_id=exercise,
                seq=seq,
                at=at_text,
                actor=draft.actor,
                type=draft.type,
                subject_type=draft.subject_type,
                subject_id=subject_id,
                data=data_text,
                prev_hash=prev_hash,
            )
        )
        rows.append(
            {
                "exercise_id": exercise_id,
                "seq": seq,
                "at": at,
                "actor": draft.actor,
                "type": draft.type,
                "subject_type": draft.subject_type,
                "subject_id": subject_id,
                "data": data,
                "prev_hash": prev_hash,
                "hash": digest,
                "recorded_at": recorded,
            }
        )
        prev_hash = digest
    if record_head:
        _RECORD.rows(session, {"stream": exercise_id, "hash": prev_hash})
    return rows


# the head's two statements, built once (executed with their parameters on every append)
_RESERVE = Direct(
    update(EventStream)
    .where(EventStream.exercise_id == bindparam("stream", type_=Uuid()))
    .values(last_seq=EventStream.last_seq + bindparam("count", type_=Integer()))
    .returning(EventStream.last_seq, EventStream.last_hash)
)
_RECORD = Direct(
    update(EventStream)
    .where(EventStream.exercise_id == bindparam("stream", type_=Uuid()))
    .values(last_hash=bindparam("hash", type_=String()))
)


def _events_after(exercise_id: uuid.UUID, after: int, types: Sequence[str] | None) -> Select[Event]:
    stmt = select(Event).where(Event.exercise_id == exercise_id, Event.seq > after)
    return stmt.where(Event.type.in_(types)) if types else stmt


def list_events(
    session: Session, *, exercise_id: uuid.UUID, after: int, limit: int, types: Sequence[str] | None = None
) -> list[Event]:
    return list(session.scalars(_events_after(exercise_id, after, types).order_by(Event.seq).limit(limit)))


def page_events(
    session: Session, *, exercise_id: uuid.UUID, after: int, types: Sequence[str] | None, params: PageParams
) -> tuple[list[Event], str | None, int | None]:
    return paginate(session, _events_after(exercise_id, after, types), keys=[Event.seq], params=params)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None = None


def verify(session: Session, *, exercise_id: uuid.UUID, batch: int = 5000) -> Verification:
    """Walk the chain from seq 1: each event's hash must match its content and link to its predecessor."""
    head = session.get(EventStream, exercise_id)
    last_seq = head.last_seq if head is not None else 0  # read first: appends committed meanwhile are not checked
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    while expected_seq <= last_seq:
        rows = [
            e
            for e in list_events(session, exercise_id=exercise_id, after=expected_seq - 1, limit=batch)
            if e.seq <= last_seq
        ]
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return Verification(False, checked, expected_seq, "sequence gap")
            if ev.prev_hash != expected_prev:
                return Verification(False, checked, ev.seq, "prev_hash does not match the previous event")
            digest = chain.event_hash(
                exercise_id=ev.exercise_id,
                seq=ev.seq,
                at=ev.at,
                actor=ev.actor,
                type=ev.type,
                subject_type=ev.subject_type,
                subject_id=ev.subject_id,
                data=ev.data,
                prev_hash=ev.prev_hash,
            )
            if digest != ev.hash:
                return Verification(False, checked, ev.seq, "hash does not match the event's content")
            expected_prev = ev.hash
            expected_seq += 1
            checked += 1
    if last_seq != checked:
        return Verification(False, checked, checked + 1, "log ends before its recorded head")
    return Verification(True, checked, None)
