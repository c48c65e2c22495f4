"""Exercises: sealed training worlds with their own clock."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import ClockMode, ClockState
from app.db.base import Base, IdMixin


class ExerciseStatus(StrEnum):
    draft = "draft"
    active = "active"
    paused = "paused"
    closed = "closed"
    archived = "archived"


class IntakeMode(StrEnum):
    strict = "strict"  # refuses real-looking identifiers and unknown fields
    lenient = "lenient"


class Exercise(IdMixin, Base):
    __tablename__ = "exercise"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ExerciseStatus] = mapped_column(String(16), default=ExerciseStatus.draft)
    intake_mode: Mapped[IntakeMode] = mapped_column(String(16), default=IntakeMode.strict)
    org_template: Mapped[str] = mapped_column(String(64))
    seed_parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # changes with every write to the exercise's set-up tables (triggers; app.reports.setup); never set here
    setup_version: Mapped[int] = mapped_column(BigInteger, server_default="0")

    clock_mode: Mapped[ClockMode] = mapped_column(String(16), default=ClockMode.real)
    clock_origin: Mapped[datetime | None]  # the simulated start the instructor chose
    clock_base: Mapped[datetime]
    clock_anchor: Mapped[datetime]
    clock_speed: Mapped[float] = mapped_column(default=1.0)
    clock_paused: Mapped[bool] = mapped_column(default=False)

    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def clock_state(self) -> ClockState:
        return ClockState(
            mode=ClockMode(self.clock_mode),
            base=self.clock_base,
            anchor=self.clock_anchor,
            speed=self.clock_speed,
            paused=self.clock_paused,
        )

    @clock_state.setter
    def clock_state(self, state: ClockState) -> None:
        self.clock_mode = state.mode
        self.clock_base = state.base
        self.clock_anchor = state.anchor
        self.clock_speed = state.speed
        self.clock_paused = state.paused


class ExerciseCounter(Base):
    """Named counters of an exercise (``report``, ``case``): see ``app.exercises.counters``."""

    __tablename__ = "exercise_counter"

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int]
