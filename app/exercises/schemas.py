"""Request and response models for exercises and their clocks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from app.core.clock import ClockMode
from app.core.clock.exercise import MAX_SPEED
from app.core.schemas import ReadSchema, Rfc3339, Schema
from app.exercises.models import ExerciseStatus, IntakeMode

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Speed = Annotated[float, Field(gt=0, le=MAX_SPEED, description="Exercise seconds per real second.")]


class ClockConfig(Schema):
    mode: ClockMode = ClockMode.real
    origin: Rfc3339 | None = Field(default=None, description="Simulated start time (default: now).")
    speed: Speed = 1.0
    paused: bool = False

    @model_validator(mode="after")
    def _real_is_plain(self) -> ClockConfig:
        if self.mode == ClockMode.real and (self.origin is not None or self.speed != 1.0 or self.paused):
            raise ValueError("a real clock takes no origin, speed or pause; use mode 'simulated'")
        return self


class ExerciseCreate(Schema):
    name: Name
    description: Annotated[str, Field(max_length=10_000)] = ""
    intake_mode: IntakeMode = IntakeMode.strict
    org_template: str | None = Field(default=None, description="Organisation template (default: the server's).")
    clock: ClockConfig = Field(default_factory=ClockConfig)
    seed_parameters: dict[str, Any] | None = None


class ExerciseUpdate(Schema):
    name: Name | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    status: ExerciseStatus | None = Field(
        default=None, description="draft → active ⇄ paused; active|paused → closed → archived."
    )
    intake_mode: IntakeMode | None = None


class ClockRead(Schema):
    now: datetime
    mode: ClockMode
    speed: float
    paused: bool
    origin: datetime | None


class ExerciseRead(ReadSchema):
    id: uuid.UUID
    name: str
    description: str
    status: ExerciseStatus
    intake_mode: IntakeMode
    org_template: str
    seed_parameters: dict[str, Any] | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    clock: ClockRead


class PauseClock(Schema):
    action: Literal["pause"]


class ResumeClock(Schema):
    action: Literal["resume"]


class SetSpeed(Schema):
    action: Literal["set_speed"]
    speed: Speed


class JumpClock(Schema):
    action: Literal["jump"]
    seconds: float | None = Field(default=None, gt=0, le=10 * 365 * 86400, description="Seconds to move forward.")
    to: Rfc3339 | None = Field(default=None, description="Exercise time to move forward to.")

    @model_validator(mode="after")
    def _one_target(self) -> JumpClock:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give exactly one of 'seconds' or 'to'")
        return self


class SetMode(Schema):
    action: Literal["set_mode"]
    mode: ClockMode
    origin: Rfc3339 | None = Field(default=None, description="For simulated: start time (default: now).")
    speed: Speed = 1.0


ClockAction = Annotated[PauseClock | ResumeClock | SetSpeed | JumpClock | SetMode, Field(discriminator="action")]
