"""Cases: the managed record that one or more reports belong to."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin


class CaseStatus(StrEnum):
    new = "new"
    triaged = "triaged"
    assigned = "assigned"
    investigating = "investigating"
    on_hold = "on_hold"
    referred = "referred"
    closed = "closed"
    reopened = "reopened"


class Classification(StrEnum):
    referral = "referral"
    informational = "informational"


class Case(IdMixin, Base):
    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("exercise_id", "number"),
        Index("ix_case_exercise_id_status", "exercise_id", "status"),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.new)
    priority: Mapped[str | None] = mapped_column(String(2))
    classification: Mapped[Classification] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]  # exercise time
    updated_at: Mapped[datetime]  # exercise time
