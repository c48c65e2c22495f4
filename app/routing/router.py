"""HTTP: rulesets (drafts, activation, dry runs) and the routing and deconfliction record of a case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.auth.dependencies import ExerciseAccess, Instructor, Staff
from app.auth.models import ExerciseRole as R
from app.auth.principal import ExerciseContext
from app.cases import errors as case_errors
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.filters import InvalidFilter, parse
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.routing import errors, service
from app.routing.fields import REPORT_FIELDS
from app.routing.models import RoutingDecision, Ruleset, RulesetStatus
from app.routing.schemas import (
    CaseDeconfliction,
    CaseRouting,
    DeconflictionIndicator,
    DeconflictionRead,
    MoveRead,
    RoutingDecisionRead,
    RulesetCreate,
    RulesetRead,
    RulesetSummary,
    RulesetUpdate,
    SimulateRequest,
    SimulationRead,
    UnitCount,
    UnitRef,
)
from app.units.models import Unit

router = APIRouter(
    prefix="/exercises/{exercise_id}", tags=["routing"], responses=err(Unauthorized, NotFound, Forbidden)
)
Supervisors = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor))]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description="The case's `ETag`: 412 if the case changed meanwhile."),
]


def _read(ruleset: Ruleset) -> RulesetRead:
    return RulesetRead.model_validate(ruleset)


@router.get("/rulesets", response_model=Page[RulesetSummary], summary="List the rulesets")
def list_rulesets(
    session: SessionDep,
    ctx: Staff,
    page: PageDep,
    status_: Annotated[RulesetStatus | None, Query(alias="status", description="Only rulesets in this state.")] = None,
) -> Page[RulesetSummary]:
    """Every version, oldest first: drafts, the active one, and those it superseded."""
    rows, cursor, total = service.list_rulesets(session, exercise_id=ctx.exercise.id, params=page, status=status_)
    return Page(items=[RulesetSummary.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.post(
    "/rulesets",
    status_code=status.HTTP_201_CREATED,
    response_model=RulesetRead,
    summary="Create a draft ruleset",
    responses=err(errors.InvalidRuleset),
)
def create_ruleset(session: SessionDep, ctx: Instructor, data: RulesetCreate, response: Response) -> RulesetRead:
    """Instructors only. The rules given, or a copy of version `based_on`. Every condition is parsed and every unit
    code checked: 422 `invalid-ruleset` with a pointer (`/rules/{i}/condition/...`, `/rules/{i}/actions/{j}/unit`)
    for each problem. Event `ruleset.created`."""
    ruleset = service.create_draft(session, ctx=ctx, data=data)
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/rulesets/{ruleset.id}"
    return _read(ruleset)


@router.get(
    "/rulesets/{ruleset_id}",
    response_model=RulesetRead,
    summary="Read a ruleset",
    responses=err(errors.RulesetNotFound),
)
def get_ruleset(session: SessionDep, ctx: Staff, ruleset_id: uuid.UUID) -> RulesetRead:
    return _read(service.get_ruleset(session, exercise_id=ctx.exercise.id, ruleset_id=ruleset_id))


@router.patch(
    "/rulesets/{ruleset_id}",
    response_model=RulesetRead,
    summary="Change a draft ruleset",
    responses=err(errors.RulesetNotFound, errors.RulesetNotDraft, errors.InvalidRuleset),
)
def update_ruleset(session: SessionDep, ctx: Instructor, ruleset_id: uuid.UUID, data: RulesetUpdate) -> RulesetRead:
    """Instructors only; drafts only (409 `ruleset-not-draft`). `rules` replaces every rule. Event
    `ruleset.updated`."""
    return _read(service.update_draft(session, ctx=ctx, ruleset_id=ruleset_id, data=data))


@router.delete(
    "/rulesets/{ruleset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft ruleset",
    responses=err(errors.RulesetNotFound, errors.RulesetNotDraft),
)
def delete_ruleset(session: SessionDep, ctx: Instructor, ruleset_id: uuid.UUID) -> Response:
    """Instructors only; drafts only. Event `ruleset.deleted`."""
    service.delete_draft(session, ctx=ctx, ruleset_id=ruleset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/rulesets/{ruleset_id}/activate",
    response_model=RulesetRead,
    summary="Activate a draft ruleset",
    responses=err(errors.RulesetNotFound, errors.RulesetNotDraft, errors.InvalidRuleset),
)
def activate_ruleset(session: SessionDep, ctx: Instructor, ruleset_id: uuid.UUID) -> RulesetRead:
    """Instructors only. The draft becomes the one active ruleset and routes every new case from now on; the
    previously active one is `superseded`. Its rules are checked again, and every unit they name must exist and be
    active (422 `invalid-ruleset` pointing at the rule otherwise). Event `ruleset.activated`."""
    return _read(service.activate(session, ctx=ctx, ruleset_id=ruleset_id))


def _unit(unit: Unit | None) -> UnitRef | None:
    return UnitRef(id=unit.id, code=unit.code, name=unit.name) if unit is not None else None


@router.post(
    "/rulesets/{ruleset_id}/simulate",
    response_model=SimulationRead,
    summary="Dry-run a ruleset over the exercise's cases",
    responses=err(errors.RulesetNotFound, errors.InvalidRuleset, InvalidFilter),
)
def simulate(
    session: SessionDep, ctx: Supervisors, ruleset_id: uuid.UUID, data: SimulateRequest | None = None
) -> SimulationRead:
    """Supervisors and instructors. Where the ruleset (any state) would send every case of the exercise, judged by
    the case's first report, optionally only the cases whose first report matches `filter`: counts by unit, and
    the move matrix versus the active ruleset (versus each case's current unit when none is active), with up to five
    sample case ids per move. Nothing changes."""
    where = parse(data.filter, REPORT_FIELDS, base="/filter") if data is not None and data.filter is not None else None
    result = service.simulate(session, ctx=ctx, ruleset_id=ruleset_id, where=where)
    return SimulationRead(
        ruleset_id=result.ruleset.id,
        ruleset_version=result.ruleset.version,
        baseline=result.baseline,
        baseline_version=result.baseline_version,
        cases=result.cases,
        moved=result.moved,
        by_unit=[UnitCount(unit=_unit(u), count=n) for u, n in result.by_unit],
        moves=[
            MoveRead(from_unit=_unit(m.from_unit), to_unit=_unit(m.to_unit), count=m.count, sample_case_ids=m.samples)
            for m in result.moves
        ],
        elapsed_ms=result.elapsed_ms,
    )


def _decision(row: RoutingDecision) -> RoutingDecisionRead:
    return RoutingDecisionRead.model_validate(row)


@router.get(
    "/cases/{case_id}/routing",
    response_model=CaseRouting,
    summary="How a case was routed",
    tags=["cases"],
    responses=err(case_errors.CaseNotFound),
)
def case_routing(session: SessionDep, ctx: Staff, case_id: uuid.UUID) -> CaseRouting:
    """The current routing decision with its explanation, and every earlier one (re-routing never removes a
    decision). 404 for a case outside the caller's view."""
    case, rows = service.decisions_of(session, ctx=ctx, case_id=case_id)
    history = [_decision(r) for r in rows]
    return CaseRouting(case_id=case.id, unit_id=case.unit_id, current=history[0] if history else None, history=history)


@router.post(
    "/cases/{case_id}/routing",
    response_model=RoutingDecisionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Route a case again with the active ruleset",
    tags=["cases"],
    responses=err(case_errors.CaseNotFound, case_errors.StaleVersion, case_errors.CaseClosed, errors.NoActiveRuleset),
)
def reroute_case(
    session: SessionDep, ctx: Supervisors, case_id: uuid.UUID, if_match: IfMatch = None
) -> RoutingDecisionRead:
    """Supervisors and instructors. The active ruleset decides again from the case's first report and the case as it
    is now: the case moves to the unit decided, gains its tags and, without a priority, the suggested one. A new
    decision is added to the record (`reason: reroute`); earlier ones stay. Event `case.routed`."""
    return _decision(service.reroute(session, ctx=ctx, case_id=case_id, if_match=if_match))


@router.get(
    "/cases/{case_id}/deconfliction",
    response_model=CaseDeconfliction,
    summary="Cases of other units sharing an indicator with this case",
    tags=["cases"],
    responses=err(case_errors.CaseNotFound),
)
def case_deconfliction(session: SessionDep, ctx: Staff, case_id: uuid.UUID) -> CaseDeconfliction:
    """Each other case found, when this case or that one was opened, to share an indicator (ESP user id, email,
    screen name, phone, file hash) while held by a different unit: its number, the unit holding it now, and the
    shared indicators. 404 for a case outside the caller's view."""
    rows = service.deconfliction_of(session, ctx=ctx, case_id=case_id)
    items: dict[uuid.UUID, DeconflictionRead] = {}
    for link, other, unit in rows:
        item = items.get(other.id)
        if item is None:
            item = items[other.id] = DeconflictionRead(
                other_case_id=other.id,
                other_case_number=other.number,
                other_unit=_unit(unit),
                unit_id_when_found=link.unit_id,
                other_unit_id_when_found=link.other_unit_id,
                indicators=[],
                found_at=link.created_at,
            )
        item.indicators.append(DeconflictionIndicator(kind=link.kind, scope=link.scope, value=link.value))
    return CaseDeconfliction(case_id=case_id, items=list(items.values()))
