"""HTTP: cases. Every operation answers 404 for a case outside the caller's visibility (app.cases.visibility)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from app.auth.dependencies import ExerciseAccess, Staff
from app.auth.models import ExerciseRole as R
from app.auth.principal import ExerciseContext
from app.cases import assignment, bulk, errors, queries, reads, service, triage
from app.cases.models import CaseStatus, Priority
from app.cases.queries import CaseFilter, CaseSort
from app.cases.schemas import (
    Assign,
    AssignmentAction,
    BulkRequest,
    BulkResult,
    CaseRead,
    CaseSummary,
    CaseUpdate,
    Claim,
    HistoryItem,
    Tag,
    TransitionRequest,
)
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.filters import Expression, InvalidFilter, query_parameter
from app.core.pagination import Page, PageDep
from app.core.schemas import Rfc3339
from app.db.session import SessionDep
from app.reports.document import IncidentType
from app.routing.fields import REPORT_FIELDS

router = APIRouter(
    prefix="/exercises/{exercise_id}/cases", tags=["cases"], responses=err(Unauthorized, NotFound, Forbidden)
)
Triage = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor, R.analyst))]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The case's `ETag`: the change is refused with 412 if the case changed meanwhile.",
    ),
]
WRITE_ERRORS = (errors.CaseNotFound, errors.StaleVersion, errors.CaseClosed)
WRITE = err(*WRITE_ERRORS)


def with_etag(response: Response, read: CaseRead) -> CaseRead:
    response.headers["ETag"] = f'"{read.version}"'
    return read


@router.get("", response_model=Page[CaseSummary], summary="List cases", responses=err(InvalidFilter))
def list_cases(
    session: SessionDep,
    ctx: Staff,
    page: PageDep,
    status: Annotated[list[CaseStatus] | None, Query(description="Any of these statuses.")] = None,
    priority: Annotated[list[Priority] | None, Query(description="Any of these priorities.")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Cases of this unit.")] = None,
    include_descendants: Annotated[bool, Query(description="With `unit_id`: also the units below it.")] = False,
    assignee_id: uuid.UUID | None = None,
    sla: Annotated[Literal["breached", "at_risk"] | None, Query(description="SLA state now.")] = None,
    incident_type: IncidentType | None = None,
    province: Annotated[str | None, Query(pattern=r"^ID-[A-Z]{2}$", description="ISO 3166-2:ID code.")] = None,
    tag: Annotated[list[Tag] | None, Query(max_length=20, description="Cases carrying all of these tags.")] = None,
    received_from: Annotated[Rfc3339 | None, Query(description="Received at or after (exercise time).")] = None,
    received_to: Annotated[Rfc3339 | None, Query(description="Received before (exercise time).")] = None,
    deconflicted: Annotated[
        bool | None,
        Query(description="`true`: cases sharing an indicator with a case of another unit; `false`: the others."),
    ] = None,
    sort: Annotated[CaseSort, Query(description="`priority` puts E first; `-` reverses.")] = CaseSort.number,
    expression: Annotated[Expression | None, query_parameter(REPORT_FIELDS)] = None,
) -> Page[CaseSummary]:
    """The cases visible to the caller, filtered; `total=true` counts all matches. `filter` selects the cases any
    of whose reports matches the expression (the report fields; status, priority, unit and tags are the case's)."""
    filters = CaseFilter(
        status=tuple(status or ()),
        priority=tuple(priority or ()),
        unit_id=unit_id,
        include_descendants=include_descendants,
        assignee_id=assignee_id,
        sla=sla,
        incident_type=incident_type,
        province=province,
        tags=tuple(tag or ()),
        received_from=received_from,
        received_to=received_to,
        expression=expression,
        deconflicted=deconflicted,
    )
    rows, cursor, total = queries.list_cases(session, ctx=ctx, filters=filters, sort=sort, params=page)
    now = ctx.now()
    return Page(items=[reads.summary(c, now) for c in rows], next_cursor=cursor, total=total)


@router.post(
    "/bulk",
    response_model=BulkResult,
    summary="Apply one action to many cases",
    responses=err(InvalidFilter, errors.BulkTooMany),
)
def bulk_action(session: SessionDep, ctx: Staff, request: Annotated[BulkRequest, Body()]) -> BulkResult:
    """`{ids | filter, action, params, atomic}` with action `assign`, `transition`, `set_priority` or `tag`: at
    most 200 ids, or a filter expression selecting the visible cases any of whose reports matches it (at most 1,000;
    more is a 422 `bulk-too-many` naming how many matched, and nothing is changed). Each item gets the status a
    single request would have had; with `atomic=true` one failure rolls back all and the items that had succeeded
    are reported as 424."""
    return bulk.run(session, ctx=ctx, request=request)


@router.get("/{case_id:uuid}", response_model=CaseRead, summary="Read a case", responses=err(errors.CaseNotFound))
def get_case(session: SessionDep, ctx: Staff, case_id: uuid.UUID, response: Response) -> CaseRead:
    """The case with its reports, links, routing and SLA clocks; the `ETag` header carries its version."""
    case = service.get(session, ctx=ctx, case_id=case_id)
    return with_etag(response, reads.full(session, ctx, case))


@router.patch(
    "/{case_id:uuid}",
    response_model=CaseRead,
    summary="Triage a case: priority, classification, tags, notes",
    responses=WRITE,
)
def update_case(
    session: SessionDep, ctx: Triage, case_id: uuid.UUID, data: CaseUpdate, response: Response, if_match: IfMatch = None
) -> CaseRead:
    """Analysts, supervisors and instructors. Each field that changes is one `case.updated` event with its old and
    new value. A closed or referred case is refused with 409."""
    case = triage.update(session, ctx=ctx, case_id=case_id, data=data, if_match=if_match)
    return with_etag(response, reads.full(session, ctx, case))


@router.post(
    "/{case_id:uuid}/transitions",
    response_model=CaseRead,
    summary="Move a case to another status",
    responses=err(
        errors.CaseNotFound,
        errors.StaleVersion,
        errors.TransitionNotAllowed,
        errors.TransitionForbidden,
        errors.DispositionRequired,
    ),
)
def transition_case(
    session: SessionDep,
    ctx: Staff,
    case_id: uuid.UUID,
    data: TransitionRequest,
    response: Response,
    if_match: IfMatch = None,
) -> CaseRead:
    """`{to, reason?, disposition?}`. A transition the lifecycle does not allow from the current status is a 409
    listing the allowed ones (`allowed`); one the caller's role may not make is a 403; closing needs a disposition
    (422). An investigator asking to close an investigation records a closure proposal instead."""
    case = service.transition(
        session,
        ctx=ctx,
        case_id=case_id,
        target=data.to,
        reason=data.reason,
        disposition=data.disposition,
        if_match=if_match,
    )
    return with_etag(response, reads.full(session, ctx, case))


@router.post(
    "/{case_id:uuid}/assignment",
    response_model=CaseRead,
    summary="Assign, claim or release a case",
    responses=err(
        *WRITE_ERRORS, errors.UnitNotAssignable, errors.AssigneeNotEligible, errors.AlreadyAssigned, errors.NotAssignee
    ),
)
def assign_case(
    session: SessionDep,
    ctx: Staff,
    case_id: uuid.UUID,
    response: Response,
    action: Annotated[AssignmentAction, Body()],
    if_match: IfMatch = None,
) -> CaseRead:
    """`{"action": "assign", "unit_id", "assignee_id"?}` (supervisors; also reassigns), `{"action": "claim"}`
    (investigators take a case of their units) or `{"action": "release"}` (the assignee or a supervisor). Units
    must be within those the caller sees. A triaged case becomes `assigned`."""
    case = service.lock(session, ctx=ctx, case_id=case_id, if_match=if_match)
    at = ctx.now()
    if isinstance(action, Assign):
        assignment.assign(session, ctx=ctx, case=case, unit_id=action.unit_id, assignee_id=action.assignee_id, at=at)
    elif isinstance(action, Claim):
        assignment.claim(session, ctx=ctx, case=case, at=at)
    else:
        assignment.release(session, ctx=ctx, case=case, at=at)
    return with_etag(response, reads.full(session, ctx, case))


@router.get(
    "/{case_id:uuid}/history",
    response_model=Page[HistoryItem],
    summary="A case's history",
    responses=err(errors.CaseNotFound),
)
def case_history(session: SessionDep, ctx: Staff, case_id: uuid.UUID, page: PageDep) -> Page[HistoryItem]:
    """From the event log, oldest first: each change with its actor, exercise time and, for field changes, the
    old and new values."""
    rows, cursor, total = service.history(session, ctx=ctx, case_id=case_id, params=page)
    items = [
        HistoryItem(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            type=e.type,
            field=e.data.get("field"),
            old=e.data.get("old", e.data.get("from")),
            new=e.data.get("new", e.data.get("to")),
            data=e.data,
        )
        for e in rows
    ]
    return Page(items=items, next_cursor=cursor, total=total)
