"""Which events an endpoint receives: its event types, then its filter expression.

The filter language is the one of list filters and routing rules (``app.core.filters``), over the fields of
:data:`EVENT_FIELDS`: the event's own ``type``, ``subject_type`` and ``actor``, and every report field of the routing
catalogue (``app.routing.fields``) for the case or report the event is about: for a case, the case with its first
report; for a report, the report with its case. Those are read when the dispatcher reaches the event (normally within
a poll interval of it being recorded), so they describe the case as it then stands; for events about anything else
they are missing (a condition on them is false, ``not`` of it true, lists are empty).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import Case
from app.core.filters import Catalogue, Expression, Field, FieldType, evaluate
from app.events.models import Event
from app.reports.models import Report
from app.routing.fields import REPORT_FIELDS, ReportSubject
from app.units.models import Unit

EVENT_TYPE_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
"""An event type (``case.opened``), a prefix pattern (``case.*``), or ``*`` for every type."""


@dataclass(frozen=True, slots=True)
class EventSubject:
    event: Event
    about: ReportSubject | None  # the report and case the event is about, if any


def _python_only() -> Any:
    raise NotImplementedError("webhook filters are evaluated in Python, one event at a time")


def _event_field(name: str, description: str) -> Field[EventSubject]:
    return Field(name, FieldType.text, description, _python_only, lambda s: getattr(s.event, name))


def _about(field: Field[ReportSubject]) -> Field[EventSubject]:
    empty: Any = [] if field.type.is_list else None

    def get(s: EventSubject) -> Any:
        return field.get(s.about) if s.about is not None else empty

    return Field(field.name, field.type, field.description, field.sql, get, choices=field.choices)


EVENT_FIELDS: Catalogue[EventSubject] = Catalogue(
    "event",
    [
        _event_field("type", "The event's type, e.g. `case.opened`."),
        _event_field("subject_type", "The kind of record the event is about, e.g. `case`."),
        _event_field("actor", "Who made the change: `user:<uuid>` or `system`."),
        *(_about(f) for f in REPORT_FIELDS),
    ],
)


def type_matches(patterns: Sequence[str] | None, event_type: str) -> bool:
    if not patterns:
        return True
    return any(p in ("*", event_type) or (p.endswith(".*") and event_type.startswith(p[:-1])) for p in patterns)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def subject_of(session: Session, event: Event) -> ReportSubject | None:
    """The report and case an event is about, read now."""
    subject_id = _uuid(event.subject_id)
    if subject_id is None:
        return None
    report: Report | None = None
    case: Case | None = None
    if event.subject_type == "case":
        case = session.get(Case, subject_id)
        if case is None or case.exercise_id != event.exercise_id:
            return None
        report = session.scalars(
            select(Report).where(Report.case_id == case.id).order_by(Report.number).limit(1)
        ).first()
    elif event.subject_type == "report":
        report = session.get(Report, subject_id)
        if report is None or report.exercise_id != event.exercise_id:
            return None
        case = session.get(Case, report.case_id) if report.case_id else None
    if report is None:
        return None
    unit = session.get(Unit, case.unit_id) if case is not None and case.unit_id else None
    return ReportSubject(report=report, case=case, unit=unit)


def matches(session: Session, event: Event, patterns: Sequence[str] | None, expression: Expression | None) -> bool:
    if not type_matches(patterns, event.type):
        return False
    if expression is None:
        return True
    return evaluate(expression, EventSubject(event, subject_of(session, event)))
