"""The append-only, hash-chained event log of each exercise."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

GENESIS_HASH = "0" * 64

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class EventStream(Base):
    """The head of an exercise's log: the last sequence number and hash. Its row lock serialises appends."""

    __tablename__ = "event_stream"

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_exercise_id_type_seq", "exercise_id", "type", "seq"),
        Index("ix_event_exercise_id_subject_id_seq", "exercise_id", "subject_id", "seq"),  # a record's history
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ScheduledEvent(Base):
    """An event whose exercise time is still ahead (a scheduled report's arrival): it joins the log, with the next
    sequence number, once the exercise clock reaches ``at`` (``app.events.scheduled``)."""

    __tablename__ = "event_scheduled"
    __table_args__ = (Index("ix_event_scheduled_exercise_id_at", "exercise_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
