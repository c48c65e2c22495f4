"""Case responses: the summary used in lists and the full read with reports, links and routing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from app.auth.principal import ExerciseContext
from app.cases import sla
from app.cases.models import Case, CaseLink, CaseStatus
from app.cases.schemas import (
    CaseRead,
    CaseReportRead,
    CaseSummary,
    LinkRead,
    NoteRead,
    RoutingEvent,
    RoutingRead,
    SlaRead,
    UnitRef,
)
from app.cases.service import LIFECYCLE, caller_role
from app.cases.visibility import report_arrived
from app.events.models import Event
from app.reports.models import Report
from app.units.models import Unit

UNIT_EVENT_TYPES = (
    "case.routed",
    "case.assigned",
    "case.claimed",
    "case.released",
    "case.transferred",
    "case.referred",
)


def summary(case: Case, now: datetime) -> CaseSummary:
    return CaseSummary.model_validate(
        {
            **{name: getattr(case, name) for name in CaseSummary.model_fields if name not in ("received_at", "sla")},
            "received_at": case.created_at,
            "sla": SlaRead(
                state=sla.state(case, now),
                triage_due_at=case.triage_due_at,
                action_due_at=case.action_due_at,
                due_at=case.sla_due_at,
                at_risk_at=case.sla_warn_at,
                triage_breached_at=case.triage_breached_at,
                action_breached_at=case.action_breached_at,
                held_seconds=case.sla_paused_seconds or 0.0,
            ),
        }
    )


def allowed_for(ctx: ExerciseContext, case: Case) -> list[CaseStatus]:
    role = caller_role(ctx)
    return [
        t.target
        for t in LIFECYCLE.allowed(case)
        if role is None or role in LIFECYCLE.superusers or role in t.roles or role in t.proposers
    ]


def _links(session: Session, case: Case) -> list[LinkRead]:
    other = aliased(Case)
    rows = session.execute(
        select(CaseLink, other.number)
        .join(other, other.id == CaseLink.other_id)
        .where(CaseLink.case_id == case.id)
        .order_by(CaseLink.created_at, CaseLink.id)
    ).all()
    back = session.execute(
        select(CaseLink, other.number)
        .join(other, other.id == CaseLink.case_id)
        .where(CaseLink.other_id == case.id)
        .order_by(CaseLink.created_at, CaseLink.id)
    ).all()
    return [
        LinkRead(
            id=link.id,
            kind=link.kind,
            case_id=link.case_id,
            other_id=link.other_id,
            other_number=number,
            note=link.note,
            created_at=link.created_at,
        )
        for link, number in [*rows, *back]
    ]


def _routing(session: Session, case: Case) -> RoutingRead:
    unit = session.get(Unit, case.unit_id) if case.unit_id is not None else None
    events = session.scalars(
        select(Event)
        .where(
            Event.exercise_id == case.exercise_id,
            Event.subject_id == str(case.id),
            Event.subject_type == "case",
            or_(Event.type.in_(UNIT_EVENT_TYPES), Event.type.like("routing.%")),
        )
        .order_by(Event.seq)
    ).all()
    return RoutingRead(
        unit=UnitRef.model_validate(unit) if unit is not None else None,
        events=[RoutingEvent.model_validate(e) for e in events],
    )


def full(session: Session, ctx: ExerciseContext, case: Case) -> CaseRead:
    reports = session.scalars(
        select(Report).where(Report.case_id == case.id, report_arrived(ctx.now())).order_by(Report.number)
    ).all()
    return CaseRead.model_validate(
        {
            **summary(case, ctx.now()).model_dump(),
            "notes": [NoteRead.model_validate(n) for n in case.notes],
            "closure_proposal": case.closure_proposal,
            "allowed_transitions": allowed_for(ctx, case),
            "reports": [CaseReportRead.model_validate(r) for r in reports],
            "links": _links(session, case),
            "routing": _routing(session, case),
        }
    )
