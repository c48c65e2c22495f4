"""The `ispws.*` events of the exercise log: subject `ispws_report`, the protocol's report id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.events import service as events_service

SUBJECT = "ispws_report"


def record(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    actor: str,
    at: datetime,
    type: str,
    report_id: int,
    data: dict[str, Any],
) -> None:
    events_service.append(
        session,
        exercise_id=exercise_id,
        at=at,
        actor=actor,
        type=f"ispws.{type}",
        subject_type=SUBJECT,
        subject_id=str(report_id),
        data=data,
    )
