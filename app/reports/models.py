"""Stored reports (Section A kept whole), their files (metadata only) and the indicators extracted for linking."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.events.models import JsonDoc


def in_report_of_same_exercise() -> ForeignKeyConstraint:
    """A row that belongs to a report points at (exercise, report): one check per row proves that the report exists
    and that the row's exercise is the report's, and the report's own key to its exercise covers the rest."""
    return ForeignKeyConstraint(["exercise_id", "report_id"], ["report.exercise_id", "report.id"], ondelete="CASCADE")


class ReportSource(StrEnum):
    api = "api"  # POST .../reports
    bulk = "bulk"  # POST .../reports/bulk
    ispws = "ispws"  # the CyberTipline protocol intake
    seed = "seed"  # fabricated by the seeder (`tipdesk seed`, POST .../seed)


class Report(IdMixin, Base):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("exercise_id", "number"),
        UniqueConstraint("exercise_id", "reporter_id", "idempotency_key"),
        # what rows of a report point at (in_report_of_same_exercise); an index, which SQLite adds in place
        Index("ix_report_exercise_id_id", "exercise_id", "id", unique=True),
        Index("ix_report_exercise_id_received_at", "exercise_id", "received_at"),
        Index("ix_report_exercise_id_incident_type", "exercise_id", "incident_type"),
        Index("ix_report_exercise_id_location_province", "exercise_id", "location_province"),
        Index("ix_report_exercise_id_arrives_at", "exercise_id", "arrives_at"),
        # intake's lookup of replayed keys probes this index alone (app.reports.intake._EARLIER)
        Index(
            "ix_report_idempotency_key",
            "idempotency_key",
            postgresql_where=text("idempotency_key IS NOT NULL"),
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    number: Mapped[int]
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    source: Mapped[ReportSource] = mapped_column(String(16))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]  # exercise time (a scheduled report: its arrival)
    recorded_at: Mapped[datetime]  # wall time
    arrives_at: Mapped[datetime | None]  # exercise time a scheduled report arrives; null: arrived when stored

    document: Mapped[dict[str, Any]] = mapped_column(JsonDoc)  # Section A, as submitted (known fields)
    incident_type: Mapped[str] = mapped_column(String(100))
    annotations: Mapped[list[str]] = mapped_column(JSON, default=list)
    esp_name: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    escalation: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # lenient-mode findings
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # Section C
    batched: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # carries <batchedReport> (a bundle of viral reports)
    file_count: Mapped[int] = mapped_column(default=0, server_default="0")

    # Section B: the best location (from IP geolocation, else the ESP's estimate) and the evidence behind it
    section_b: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    location_source: Mapped[str] = mapped_column(
        String(16), default="unresolved", server_default="unresolved"
    )  # ip | esp_estimate | unresolved
    location_country: Mapped[str | None] = mapped_column(String(2))
    location_province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2:ID
    location_regency_code: Mapped[str | None] = mapped_column(String(8))  # Kemendagri
    location_city: Mapped[str | None] = mapped_column(Text)
    location_district: Mapped[str | None] = mapped_column(Text)


class ReportFile(IdMixin, Base):
    """One file of a report: its name, size and hashes, and the reporter's <fileDetails>. Never its content."""

    __tablename__ = "report_file"
    __table_args__ = (UniqueConstraint("report_id", "file_id"), in_report_of_same_exercise())

    exercise_id: Mapped[uuid.UUID]
    report_id: Mapped[uuid.UUID] = mapped_column(index=True)
    file_id: Mapped[str] = mapped_column(String(32))  # opaque, 32 lowercase hex (the protocol's fileId)
    file_name: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the reporter's <fileDetails>, as JSON
    received_at: Mapped[datetime]  # exercise time


class Indicator(IdMixin, Base):
    """A normalised identifier found in a report, for linking reports and cases that share it (unique per report by
    kind, scope and value: the extraction deduplicates)."""

    __tablename__ = "indicator"
    __table_args__ = (
        Index("ix_indicator_exercise_id_kind_value_hash", "exercise_id", "kind", "value_hash"),
        in_report_of_same_exercise(),
    )

    exercise_id: Mapped[uuid.UUID]
    report_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[str] = mapped_column(Text)
    value_hash: Mapped[str] = mapped_column(String(64))  # sha256 of value: indexable whatever the value's length
    pointer: Mapped[str] = mapped_column(Text)
