from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import ReadSchema, Schema


class EventRead(ReadSchema):
    exercise_id: uuid.UUID
    seq: int
    at: datetime = Field(description="Exercise time of the change.")
    actor: str = Field(description="`user:<uuid>` or `system`.")
    type: str
    subject_type: str
    subject_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyResult(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None = None
