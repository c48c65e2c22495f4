"""API models of stored reports. The request body of an intake is the report document itself
(``app.reports.document.Report``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import ReadSchema
from app.reports.document import Report as ReportDocument
from app.reports.models import ReportSource


class IntakeFlag(ReadSchema):
    """Something lenient intake accepted that strict intake refuses."""

    pointer: str = Field(description="JSON Pointer into Section A.")
    kind: str = Field(description="e.g. `unknown_field`, `ipv4`, `email`, `phone`.")
    value: str | None = None
    reason: str


class ReportSummary(ReadSchema):
    id: uuid.UUID
    exercise_id: uuid.UUID
    number: int = Field(description="The report's number within its exercise (1, 2, ...).")
    case_id: uuid.UUID | None
    source: ReportSource
    reporter_id: uuid.UUID | None
    received_at: datetime = Field(description="Exercise time of receipt.")
    incident_type: str
    annotations: list[str]
    esp_name: str | None = Field(description="The reporting organisation: the submitting account's display name.")
    classification: str = Field(description="`referral` or `informational`, set as NCMEC would.")
    urgent: bool
    flags: list[IntakeFlag]


class ReportRead(ReportSummary):
    escalation: str | None = Field(description="The reporter's escalateToHighPriority text, if any.")
    section_a: ReportDocument = Field(description="The report as submitted (fields the schema defines).")
    section_c: list[dict[str, Any]] = Field(description="Analyst notes (empty on intake).")


class IndicatorHit(ReadSchema):
    kind: str
    scope: str = Field(description="The service a screen name or ESP user id belongs to; empty for other kinds.")
    value: str = Field(description="The normalised value.")
    pointer: str = Field(description="Where it was first found in the report's Section A.")
    report_id: uuid.UUID
    report_number: int
    case_id: uuid.UUID | None
