"""Answer keys: the ground truth of each seeded report, stored apart from the report and read only by
instructors."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.reports.models import in_report_of_same_exercise


class AnswerKey(IdMixin, Base):
    __tablename__ = "answer_key"
    __table_args__ = (
        Index("ix_answer_key_exercise_id_report_number", "exercise_id", "report_number", unique=True),
        in_report_of_same_exercise(),
    )

    exercise_id: Mapped[uuid.UUID]
    report_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    report_number: Mapped[int]
    scenario: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)
    expected_priority: Mapped[str] = mapped_column(String(2))  # E, 1, 2, 3
    expected_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    expected_unit_code: Mapped[str | None] = mapped_column(String(64))
    should_escalate: Mapped[bool]
    location: Mapped[str] = mapped_column(String(16))  # regency, district, estimate, mobile, abroad, unresolved
    duplicate_of: Mapped[int | None]  # report number of the report this one repeats
    duplicate_kind: Mapped[str | None] = mapped_column(String(8))  # exact | near
    bundle: Mapped[str | None] = mapped_column(String(100))  # the viral bundle it belongs to
    subject: Mapped[str | None] = mapped_column(String(100))  # the repeat subject (deconfliction group)
    rationale: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the place, the reasons, the routing basis
