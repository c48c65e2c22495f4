"""Cases: the managed record that one or more reports belong to; links between cases; SLA targets per exercise."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, false, text
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


class Priority(StrEnum):
    """`E` exigent (a child in imminent danger), then 1 (highest) to 3."""

    exigent = "E"
    p1 = "1"
    p2 = "2"
    p3 = "3"


NO_PRIORITY_RANK = 9
PRIORITY_RANK = {Priority.exigent: 0, Priority.p1: 1, Priority.p2: 2, Priority.p3: 3}


class LinkKind(StrEnum):
    duplicate_of = "duplicate_of"  # directed: this case duplicates the other
    related = "related"  # symmetric


class Case(IdMixin, Base):
    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("exercise_id", "number"),
        Index("ix_case_exercise_id_status_priority_rank_number", "exercise_id", "status", "priority_rank", "number"),
        Index(
            "ix_case_exercise_id_unit_id_status_priority_rank_number",
            "exercise_id",
            "unit_id",
            "status",
            "priority_rank",
            "number",
        ),
        Index("ix_case_exercise_id_assignee_id_number", "exercise_id", "assignee_id", "number"),
        Index("ix_case_exercise_id_priority_rank_number", "exercise_id", "priority_rank", "number"),
        Index("ix_case_exercise_id_created_at_number", "exercise_id", "created_at", "number"),
        Index("ix_case_exercise_id_sla_due_at", "exercise_id", "sla_due_at"),
        *(  # durations statistics read these alone (index-only), with what visibility and common groupings need
            Index(
                f"ix_case_exercise_id_{column}",
                "exercise_id",
                column,
                postgresql_include=["arrives_at", "unit_id", "priority"],
                postgresql_where=text(f"{column} IS NOT NULL"),
                sqlite_where=text(f"{column} IS NOT NULL"),
            )
            for column in ("triage_us", "assign_us", "first_action_us", "close_us")
        ),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.new)
    resume_status: Mapped[CaseStatus | None] = mapped_column(String(16))  # where an on_hold case returns to
    priority: Mapped[str | None] = mapped_column(String(2))
    priority_rank: Mapped[int] = mapped_column(
        default=NO_PRIORITY_RANK, server_default=str(NO_PRIORITY_RANK)
    )  # E=0, 1..3, none=9: sorts E first
    classification: Mapped[Classification] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    incident_type: Mapped[str | None] = mapped_column(String(100))  # of the report that opened the case
    province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2:ID code of the reported location
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )  # Section C analyst notes
    disposition: Mapped[str | None] = mapped_column(String(32))
    closure_proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]  # exercise time the first report was received
    arrives_at: Mapped[datetime | None]  # a scheduled case: when its first report arrives (app.cases.visibility)
    updated_at: Mapped[datetime]  # exercise time

    # milestones (exercise time)
    triaged_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    first_action_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # SLA clocks (exercise time): see app.cases.sla
    triage_due_at: Mapped[datetime | None]
    action_due_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]  # due time of the running clock; null when met, paused or closed
    sla_warn_at: Mapped[datetime | None]  # from here until sla_due_at the case is at risk
    sla_paused_at: Mapped[datetime | None]
    sla_paused_seconds: Mapped[float] = mapped_column(default=0.0, server_default="0")
    triage_breached_at: Mapped[datetime | None]
    action_breached_at: Mapped[datetime | None]

    # facts kept for statistics, set where they change (app.stats.facts)
    report_count: Mapped[int] = mapped_column(default=0, server_default="0")  # reports in the case
    esp_key: Mapped[str | None] = mapped_column(Text)  # the distinct ESP names of its reports, sorted, "\n"-joined
    link_count: Mapped[int] = mapped_column(default=0, server_default="0")  # case_link rows, either direction
    deconflicted: Mapped[bool] = mapped_column(default=False, server_default=false())  # has case_deconfliction rows
    held_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # held so far (resumptions)
    triage_us: Mapped[int | None] = mapped_column(BigInteger)  # opening to milestone, less time held before it
    assign_us: Mapped[int | None] = mapped_column(BigInteger)
    first_action_us: Mapped[int | None] = mapped_column(BigInteger)
    close_us: Mapped[int | None] = mapped_column(BigInteger)


class CaseLink(IdMixin, Base):
    __tablename__ = "case_link"
    __table_args__ = (UniqueConstraint("case_id", "other_id", "kind"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LinkKind] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


class SlaPolicy(Base):
    """An exercise's SLA targets, when they differ from the defaults (``app.cases.sla.DEFAULT_TARGETS``)."""

    __tablename__ = "case_sla_policy"

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), primary_key=True)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    at_risk_ratio: Mapped[float] = mapped_column(default=0.25)
    updated_at: Mapped[datetime]


class HandoverKind(StrEnum):
    transfer = "transfer"  # to another unit of the exercise
    referral = "referral"  # to an agency outside the exercise


class CaseHandover(IdMixin, Base):
    """A case handed to another holder: a transfer to a unit, or a referral to an outside agency. Rows are only
    added, so the case keeps every earlier holder."""

    __tablename__ = "case_handover"
    __table_args__ = (Index("ix_case_handover_case_id_at", "case_id", "at"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    kind: Mapped[HandoverKind] = mapped_column(String(16))
    from_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    to_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    agency: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
    # the sequence number of its event in the exercise's log: orders a case's hand-overs exactly, even when a paused
    # clock gives several the same exercise time (0 for rows stored before it was kept: they come first, as they did)
    seq: Mapped[int] = mapped_column(default=0, server_default="0")
