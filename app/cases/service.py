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
