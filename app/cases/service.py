"""Opening cases. The lifecycle (transitions, triage, assignment) builds on this."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases.models import Case, CaseStatus, Classification
from app.events import service as events_service


def build_case(
    ctx: ExerciseContext,
    *,
    number: int,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> tuple[dict[str, Any], events_service.Draft]:
    """A new case's row (state `new`) and its `case.opened` event, for the caller to insert with its report."""
    case_id = uuid.uuid4()
    row: dict[str, Any] = {
        "id": case_id,
        "exercise_id": ctx.exercise.id,
        "number": number,
        "status": CaseStatus.new,
        "priority": None,
        "classification": classification,
        "urgent": urgent,
        "unit_id": None,
        "assignee_id": None,
        "tags": [],
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }
    event = events_service.Draft(
        at=at,
        actor=ctx.actor,
        type="case.opened",
        subject_type="case",
        subject_id=case_id,
        data={"number": number, "classification": classification, "urgent": urgent, "report_number": report_number},
    )
    return row, event


def report_added(
    ctx: ExerciseContext,
    *,
    case: dict[str, Any],
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> events_service.Draft:
    """A further report joins an open case (a bundle), given as its row's values (changed in place): a referral or
    urgent report makes the case so. Returns the `case.report_added` event."""
    changes: dict[str, dict[str, object]] = {}
    if classification == Classification.referral and case["classification"] != Classification.referral:
        changes["classification"] = {"old": case["classification"], "new": Classification.referral}
        case["classification"] = Classification.referral
    if urgent and not case["urgent"]:
        changes["urgent"] = {"old": False, "new": True}
        case["urgent"] = True
    case["version"] += 1
    case["updated_at"] = at
    return events_service.Draft(
        at=at,
        actor=ctx.actor,
        type="case.report_added",
        subject_type="case",
        subject_id=case["id"],
        data={"report_number": report_number, "reason": "batchedReport", "changes": changes},
    )


def join_stored_case(
    session: Session,
    *,
    ctx: ExerciseContext,
    case: Case,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> events_service.Draft:
    """`report_added` for a case already in the database: the case row is updated here."""
    values = {c: getattr(case, c) for c in ("id", "classification", "urgent", "version", "updated_at")}
    event = report_added(
        ctx, case=values, classification=classification, urgent=urgent, at=at, report_number=report_number
    )
    for column, value in values.items():
        setattr(case, column, value)
    session.flush()
    return event
