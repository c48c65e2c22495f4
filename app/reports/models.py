"""Stored reports (Section A kept whole), their files (metadata only) and the indicators extracted for linking."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.events.models import JsonDoc


class ReportSource(StrEnum):
    api = "api"  # POST .../reports
    bulk = "bulk"  # POST .../reports/bulk
    ispws = "ispws"  # the CyberTipline protocol intake


class Report(IdMixin, Base):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("exercise_id", "number"),
        UniqueConstraint("exercise_id", "reporter_id", "idempotency_key"),
        Index("ix_report_exercise_id_received_at", "exercise_id", "received_at"),
        Index("ix_report_exercise_id_incident_type", "exercise_id", "incident_type"),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    number: Mapped[int]
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    source: Mapped[ReportSource] = mapped_column(String(16))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]  # exercise time
    recorded_at: Mapped[datetime]  # wall time

    document: Mapped[dict[str, Any]] = mapped_column(JsonDoc)  # Section A, as submitted (known fields)
    incident_type: Mapped[str] = mapped_column(String(100))
    annotations: Mapped[list[str]] = mapped_column(JSON, default=list)
    esp_name: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    escalation: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # lenient-mode findings
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # Section C


class Indicator(IdMixin, Base):
    """A normalised identifier found in a report, for linking reports and cases that share it (unique per report by
    kind, scope and value: the extraction deduplicates)."""

    __tablename__ = "indicator"
    __table_args__ = (Index("ix_indicator_exercise_id_kind_value_hash", "exercise_id", "kind", "value_hash"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[str] = mapped_column(Text)
    value_hash: Mapped[str] = mapped_column(String(64))  # sha256 of value: indexable whatever the value's length
    pointer: Mapped[str] = mapped_column(Text)
