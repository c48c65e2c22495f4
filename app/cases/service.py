"""Opening cases. The lifecycle (transitions, triage, assignment) builds on this."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases.models import Case, CaseStatus, Classification
from app.events import service as events_service
from app.exercises import counters


def open_case(
    session: Session,
    *,
    ctx: ExerciseContext,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> Case:
    case = Case(
        exercise_id=ctx.exercise.id,
        number=counters.next_value(session, exercise_id=ctx.exercise.id, name="case"),
        status=CaseStatus.new,
        classification=classification,
        urgent=urgent,
        tags=[],
        version=1,
        created_at=at,
        updated_at=at,
    )
    session.add(case)
    session.flush()
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=at,
        actor=ctx.actor,
        type="case.opened",
        subject_type="case",
        subject_id=case.id,
        data={
            "number": case.number,
            "classification": classification,
            "urgent": urgent,
            "report_number": report_number,
        },
    )
    return case


def add_report(
    session: Session,
    *,
    ctx: ExerciseContext,
    case: Case,
    classification: Classification,
    urgent: bool,
    at: datetime,
    report_number: int,
) -> None:
    """A further report joins an open case (a bundle): a referral or urgent report makes the case so."""
    changes: dict[str, dict[str, object]] = {}
    if classification == Classification.referral and case.classification != Classification.referral:
        changes["classification"] = {"old": case.classification, "new": Classification.referral}
        case.classification = Classification.referral
    if urgent and not case.urgent:
        changes["urgent"] = {"old": False, "new": True}
        case.urgent = True
    case.version += 1
    case.updated_at = at
    session.flush()
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=at,
        actor=ctx.actor,
        type="case.report_added",
        subject_type="case",
        subject_id=case.id,
        data={"report_number": report_number, "reason": "batchedReport", "changes": changes},
    )
