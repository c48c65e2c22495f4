"""Rulesets (versioned, one active per exercise), the routing decisions taken with them (each explanation stored
once per exercise, shared by every decision that has it), and deconfliction links between cases of different units
that share an indicator."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin


class RulesetStatus(StrEnum):
    draft = "draft"  # editable; may be simulated and activated
    active = "active"  # routes new cases; at most one per exercise
    superseded = "superseded"  # was active; kept for the decisions that name it


class Ruleset(IdMixin, Base):
    __tablename__ = "routing_ruleset"
    __table_args__ = (
        UniqueConstraint("exercise_id", "version"),
        Index(
            "uq_routing_ruleset_one_active",
            "exercise_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    version: Mapped[int]  # 1, 2, ... per exercise, in order of creation
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RulesetStatus] = mapped_column(String(16))
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    based_on: Mapped[int | None]  # the version it was copied from
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]  # exercise time
    updated_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]


class RoutingExplanation(Base):
    """How a routing decision was reached (``Router.route``'s explanation), stored once per exercise: the reports that
    show the rules the same values and place share one, so a decision row holds its id, not a copy. Content-addressed:
    the id is derived from the exercise and the explanation's JSON text (``app.routing.service.explanation_id``),
    so storing one that is already there changes nothing. Never changed; removed with its exercise."""

    __tablename__ = "routing_explanation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoutingDecision(IdMixin, Base):
    """One routing of a case: never changed, never deleted; the latest (highest ``seq``) is the current one. Its
    explanation is read with it (``explanation_ref``, loaded by the query; never lazily)."""

    __tablename__ = "routing_decision"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1 for the routing on intake, then 2, 3 ... per re-routing
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    ruleset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("routing_ruleset.id", ondelete="SET NULL"))
    ruleset_version: Mapped[int]
    rule_index: Mapped[int | None]  # the rule whose routing action decided the unit
    rule_name: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    unit_code: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # unit | jurisdiction | polda | fallback | none
    suggested_priority: Mapped[str | None] = mapped_column(String(2))
    tags: Mapped[list[str]] = mapped_column(JSON)
    explanation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("routing_explanation.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))  # intake | reroute
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime]  # exercise time

    explanation_ref: Mapped[RoutingExplanation] = relationship(lazy="raise")

    @property
    def explanation(self) -> dict[str, Any]:
        return self.explanation_ref.body


class Deconfliction(IdMixin, Base):
    """Case ``case_id`` shares an indicator with case ``other_id``, held by a different unit when found. Written in
    both directions (one row each way per shared indicator)."""

    __tablename__ = "case_deconfliction"
    __table_args__ = (
        UniqueConstraint("case_id", "other_id", "kind", "scope", "value_hash"),
        Index("ix_case_deconfliction_exercise_id_case_id", "exercise_id", "case_id"),
        Index("ix_case_deconfliction_other_id", "other_id"),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    other_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # the indicator kind: esp_user_id, email, screen_name, phone, md5 ...
    scope: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[str] = mapped_column(Text)
    value_hash: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))  # case's, then
    other_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]  # exercise time
