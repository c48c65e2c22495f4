"""API models of jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import ReadSchema
from app.jobs.models import JobStatus


class JobError(ReadSchema):
    type: str = Field(description="The problem type, as in problem+json.")
    title: str
    detail: str


class JobRead(ReadSchema):
    id: uuid.UUID
    exercise_id: uuid.UUID
    kind: str = Field(description="`seed`.")
    status: JobStatus = Field(description="`queued`, `running`, `succeeded` or `failed`.")
    params: dict[str, Any]
    total: int = Field(description="Units of work (reports, for seeding).")
    done: int = Field(description="Units done so far.")
    progress: float = Field(description="`done / total`, from 0 to 1.")
    result: dict[str, Any] | None = Field(description="What the job produced, once it succeeded.")
    error: JobError | None = Field(description="Why it failed, if it did; a failed job changed nothing.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
