"""The report fields of the filter language: what list filters (``?filter=`` on reports) and routing rules may ask
about a report and its case. This catalogue is the one description of them; the OpenAPI documents show it.

In SQL the fields are read from a ``SELECT ... FROM report`` (the case and its unit through correlated subqueries);
in Python from a :class:`ReportSubject`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from app import geo
from app.cases.models import Case, CaseStatus, Classification
from app.core.filters import Catalogue, Field, FieldType
from app.db.dialect import JsonArrayMinNumber
from app.reports.document import REPORT_ANNOTATIONS, IncidentType
from app.reports.models import Report
from app.units.models import Unit

PRIORITIES = ("E", "1", "2", "3")
LOCATION_SOURCES = ("ip", "esp_estimate", "unresolved")


@dataclass(frozen=True, slots=True)
class ReportSubject:
    """A report with its case (None if it has none) and the case's unit (None if unassigned)."""

    report: Report
    case: Case | None = None
    unit: Unit | None = None


def _of_case(column: Any) -> ColumnElement[Any]:
    return select(column).where(Case.id == Report.case_id).scalar_subquery()


def _unit_code() -> ColumnElement[Any]:
    return select(Unit.code).join(Case, Case.unit_id == Unit.id).where(Case.id == Report.case_id).scalar_subquery()


def _case_value(name: str) -> Any:
    return lambda s: getattr(s.case, name) if s.case is not None else None


def youngest_victim_age(document: dict[str, Any]) -> int | float | None:
    """The smallest ``victim[].victimPerson.age`` stated in a report document (numbers only)."""
    victims = document.get("victim")
    ages = [
        age
        for v in (victims if isinstance(victims, list) else [])
        if isinstance(v, dict) and isinstance(person := v.get("victimPerson"), dict)
        if isinstance(age := person.get("age"), int | float) and not isinstance(age, bool)
    ]
    return min(ages) if ages else None


REPORT_FIELDS: Catalogue[ReportSubject] = Catalogue(
    "report",
    [
        Field(
            "incident_type",
            FieldType.enum,
            "The reporter's incident type.",
            lambda: Report.incident_type,
            lambda s: s.report.incident_type,
            choices=get_args(IncidentType),
        ),
        Field(
            "annotations",
            FieldType.enum_list,
            "The report's annotations (reportAnnotations flags that are set).",
            lambda: Report.annotations,
            lambda s: s.report.annotations,
            choices=REPORT_ANNOTATIONS,
        ),
        Field(
            "classification",
            FieldType.enum,
            "The report's classification, set on intake as NCMEC would.",
            lambda: Report.classification,
            lambda s: s.report.classification,
            choices=tuple(c.value for c in Classification),
        ),
        Field(
            "urgent",
            FieldType.boolean,
            "The report asked for escalation (escalateToHighPriority).",
            lambda: Report.urgent,
            lambda s: s.report.urgent,
        ),
        Field(
            "esp_name",
            FieldType.text,
            "The reporting organisation (the submitting account's display name).",
            lambda: Report.esp_name,
            lambda s: s.report.esp_name,
        ),
        Field(
            "location_source",
            FieldType.enum,
            "Where the report's best location came from (Section B): IP geolocation, the ESP's estimate, or none.",
            lambda: Report.location_source,
            lambda s: s.report.location_source,
            choices=LOCATION_SOURCES,
        ),
        Field(
            "location_country",
            FieldType.text,
            "ISO 3166-1 alpha-2 country of the best location; missing when unresolved.",
            lambda: Report.location_country,
            lambda s: s.report.location_country,
        ),
        Field(
            "location_province",
            FieldType.enum,
            "ISO 3166-2:ID province of the best location; missing when unresolved or outside Indonesia.",
            lambda: Report.location_province,
            lambda s: s.report.location_province,
            choices=tuple(p.iso for p in geo.provinces()),
        ),
        Field(
            "location_regency_code",
            FieldType.text,
            "Kemendagri code (no dot, e.g. 3273) of the best location's regency or city; missing when not resolved "
            "that far.",
            lambda: Report.location_regency_code,
            lambda s: s.report.location_regency_code,
        ),
        Field(
            "location_city",
            FieldType.text,
            "Name of the best location's regency or city as in the reference list (e.g. Kota Bandung, Kabupaten "
            "Tangerang); missing when not resolved that far.",
            lambda: Report.location_city,
            lambda s: s.report.location_city,
        ),
        Field(
            "location_district",
            FieldType.text,
            "Kecamatan of the best location, where it was resolved that far.",
            lambda: Report.location_district,
            lambda s: s.report.location_district,
        ),
        Field(
            "file_count",
            FieldType.integer,
            "Files the report holds (metadata only).",
            lambda: Report.file_count,
            lambda s: s.report.file_count,
        ),
        Field(
            "batched",
            FieldType.boolean,
            "The report carries batchedReport (one of a bundle of viral reports).",
            lambda: Report.batched,
            lambda s: s.report.batched,
        ),
        Field(
            "received_at",
            FieldType.datetime,
            "When the report was received (exercise time).",
            lambda: Report.received_at,
            lambda s: s.report.received_at,
        ),
        Field(
            "number",
            FieldType.integer,
            "The report's number within its exercise.",
            lambda: Report.number,
            lambda s: s.report.number,
        ),
        Field(
            "victim_age",
            FieldType.integer,
            "The youngest age stated for a victim (victim[].victimPerson.age); missing when no victim has an age.",
            lambda: JsonArrayMinNumber(Report.document, "victim", ("victimPerson", "age")),
            lambda s: youngest_victim_age(s.report.document),
        ),
        Field(
            "status",
            FieldType.enum,
            "The case's status; missing when the report has no case.",
            lambda: _of_case(Case.status),
            _case_value("status"),
            choices=tuple(s.value for s in CaseStatus),
        ),
        Field(
            "priority",
            FieldType.enum,
            "The case's priority (E exigent, then 1 to 3); missing until one is set.",
            lambda: _of_case(Case.priority),
            _case_value("priority"),
            choices=PRIORITIES,
        ),
        Field(
            "unit",
            FieldType.text,
            "The code of the unit holding the case; missing while unassigned.",
            _unit_code,
            lambda s: s.unit.code if s.unit is not None else None,
        ),
        Field(
            "unit_id",
            FieldType.uuid,
            "The id of the unit holding the case; missing while unassigned.",
            lambda: _of_case(Case.unit_id),
            _case_value("unit_id"),
        ),
        Field(
            "tags",
            FieldType.text_list,
            "The case's tags.",
            lambda: _of_case(Case.tags),
            lambda s: s.case.tags if s.case is not None else [],
        ),
    ],
)
