"""API models of stored reports. The request body of an intake is the report document itself
(``app.reports.document.Report``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import ReadSchema
from app.reports.document import FileDetails
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
    received_at: datetime = Field(description="Exercise time of receipt (a scheduled report: its arrival).")
    arrives_at: datetime | None = Field(
        default=None, description="Set when the report was scheduled to arrive at this exercise time (drip feed)."
    )
    incident_type: str
    annotations: list[str]
    esp_name: str | None = Field(description="The reporting organisation: the submitting account's display name.")
    classification: str = Field(description="`referral` or `informational`, set as NCMEC would.")
    urgent: bool
    flags: list[IntakeFlag]
    batched: bool = Field(description="The report carries `batchedReport` (part of a bundle of viral reports).")
    file_count: int
    location_source: str = Field(description="Where the best location came from: `ip`, `esp_estimate`, `unresolved`.")
    location_country: str | None
    location_province: str | None = Field(description="ISO 3166-2:ID code of the best location's province.")
    location_city: str | None = Field(description="Regency or city of the best location.")
    location_district: str | None = Field(description="Kecamatan, where jurisdiction needs it.")


class IpGeolocation(ReadSchema):
    """One `ipCaptureEvent` of the report and what the exercise's address registry says about it."""

    pointer: str = Field(description="JSON Pointer of the event in Section A (or `/files/<i>/details/...`).")
    ip: str
    event_name: str | None = None
    date_time: str | None = None
    network: str | None = Field(default=None, description="The registry block that holds the address, if any.")
    country: str | None = None
    province: str | None = None
    regency_code: str | None = None
    city: str | None = None
    district: str | None = None
    isp: str | None = None


class BestLocation(ReadSchema):
    source: str = Field(description="`ip`, `esp_estimate` or `unresolved`.")
    country: str | None = None
    province: str | None = None
    province_name: str | None = None
    regency_code: str | None = None
    city: str | None = None
    district: str | None = None
    evidence: list[str] = Field(default_factory=list, description="JSON Pointers of the values that decided it.")


class SectionB(ReadSchema):
    """What tipdesk adds, as NCMEC would: geolocation of every IP address through the exercise's synthetic address
    registry, and the report's best location (IPs first, then the ESP's estimated location)."""

    ip_geolocation: list[IpGeolocation] = Field(default_factory=list)
    location: BestLocation = Field(default_factory=lambda: BestLocation(source="unresolved"))


class ReportFileRead(ReadSchema):
    """A file of the report: what intake kept of it (the bytes are never stored)."""

    file_id: str
    file_name: str | None
    size: int | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    details: FileDetails | None = Field(description="The reporter's `<fileDetails>`, as sent.")
    received_at: datetime


class ReportRead(ReportSummary):
    escalation: str | None = Field(description="The reporter's escalateToHighPriority text, if any.")
    section_a: ReportDocument = Field(description="The report as submitted (fields the schema defines).")
    section_b: SectionB
    section_c: list[dict[str, Any]] = Field(description="Analyst notes (empty on intake).")
    files: list[ReportFileRead]


class IndicatorHit(ReadSchema):
    kind: str
    scope: str = Field(description="The service a screen name or ESP user id belongs to; empty for other kinds.")
    value: str = Field(description="The normalised value.")
    pointer: str = Field(description="Where it was first found in the report's Section A.")
    report_id: uuid.UUID
    report_number: int
    case_id: uuid.UUID | None
