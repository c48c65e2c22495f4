"""HTTP: report intake (JSON) and reading reports."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from app import geo
from app.auth.dependencies import Intake, ReportReaders, Staff
from app.auth.models import ExerciseRole
from app.core.errors import Forbidden, NotFound, ProblemDetailItem, Unauthorized, UnprocessableEntity
from app.core.errors import responses as err
from app.core.filters import Expression, InvalidFilter, query_parameter
from app.core.pagination import Page, PageDep
from app.core.schemas import Rfc3339
from app.db.session import SessionDep, SessionFactoryDep
from app.reports import bulk, errors, service
from app.reports.document import REPORT_ANNOTATIONS, IncidentType
from app.reports.document import Report as ReportDocument
from app.reports.grouped import GroupedDep
from app.reports.indicators import IndicatorKind
from app.reports.models import Report, ReportSource
from app.reports.schemas import IndicatorHit, ReportFileRead, ReportRead, ReportSummary, SectionB
from app.reports.xml import report_to_xml
from app.routing.fields import REPORT_FIELDS

router = APIRouter(
    prefix="/exercises/{exercise_id}/reports", tags=["reports"], responses=err(Unauthorized, NotFound, Forbidden)
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes the POST safe to retry: a replay with the same key and body returns the first result.",
    ),
]
XML = "application/xml"
AnnotationName = Literal[
    "sextortion", "csamSolicitation", "minorToMinorInteraction", "spam", "sadisticOnlineExploitation"
]
if set(get_args(AnnotationName)) != set(REPORT_ANNOTATIONS):  # the XSD's reportAnnotations, kept in step
    raise RuntimeError("AnnotationName is out of step with the report schema's annotations")


def _read(session: Session, report: Report, document: ReportDocument | None = None) -> ReportRead:
    """The report as read back; ``document``: its Section A when already validated (a report just stored)."""
    return ReportRead.model_validate(
        {
            **ReportSummary.model_validate(report).model_dump(),
            "escalation": report.escalation,
            "section_a": document if document is not None else ReportDocument.model_validate(report.document),
            "section_b": SectionB.model_validate(report.section_b or {}),
            "section_c": report.notes,
            "files": [ReportFileRead.model_validate(f) for f in service.files_of(session, report=report)]
            if report.file_count
            else [],
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportRead,
    summary="Submit a report",
    responses=err(
        errors.IdempotencyMismatch, errors.ExerciseNotTakingReports, errors.UnsafeReport, errors.ArrivalInPast
    ),
)
def submit_report(
    session: SessionDep,
    ctx: Intake,
    document: ReportDocument,
    grouped: GroupedDep,
    idempotency_key: IdempotencyKey = None,
    arrives_at: Annotated[
        Rfc3339 | None,
        Query(description="Instructors: schedule the report to arrive at this exercise time (not in the past)."),
    ] = None,
) -> Response:
    """A CyberTipline-style report (the `<report>` document as JSON; see the schema's description for the XML
    mapping). It opens a case in state `new`. Reporters, analysts, supervisors and instructors may submit. In a
    strict exercise, unknown fields and identifiers outside the reserved ranges are refused with a 422 naming each
    pointer; a lenient exercise stores them as `flags`.

    With `arrives_at` (instructors only) the report is injected at a chosen moment: it is received then, and until
    the exercise clock reaches it the report and its case are visible to nobody and its events are held back (the
    answer is the stored report; see docs/stream.md)."""
    if arrives_at is not None and not (ctx.principal.is_admin or ctx.role == ExerciseRole.instructor):
        raise Forbidden("Only instructors schedule a report's arrival.", extra={"required_roles": ["instructor"]})
    intake = service.submit(
        session,
        ctx=ctx,
        document=document,
        source=ReportSource.api,
        idempotency_key=idempotency_key,
        arrives_at=arrives_at,
        grouped=grouped,
    )
    headers = {"Location": f"/api/v1/exercises/{ctx.exercise.id}/reports/{intake.report.id}"}
    if intake.replayed:
        headers["Idempotent-Replayed"] = "true"
    read = _read(session, intake.report, intake.document)  # already a ReportRead: rendered as it is, not re-validated
    return Response(read.model_dump_json(), status.HTTP_201_CREATED, headers, media_type="application/json")


NDJSON = "application/x-ndjson"


class RequestDrivenStream(StreamingResponse):
    """A streamed response whose generator reads the request body itself: Starlette's disconnect listener would
    consume the body's messages, so it is not started (a disconnect surfaces while reading the body instead)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


@router.post(
    "/bulk",
    summary="Submit many reports as NDJSON",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One NDJSON result per input line, in order.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        },
        **err(errors.UnsupportedMediaType, errors.ExerciseNotTakingReports, 413),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            # opaque at the HTTP level: any text is accepted and each line is judged on its own in the results
            "content": {NDJSON: {"schema": {"description": "One report document (or envelope) per line."}}},
        }
    },
)
async def submit_bulk(request: Request, ctx: Intake, factory: SessionFactoryDep) -> StreamingResponse:
    """One report per line: the report document, or `{"idempotency_key": "...", "report": {...}}` to make the line
    safe to replay. The body is read as a stream; each result line is `{"line", "status", "id", "number",
    "case_id"}` (201 stored, 200 replayed) or `{"line", "status", "problem"}`. Lines are committed in batches and a
    batch's results are sent once it is committed, so every result received is durable. Blank lines are skipped."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != NDJSON:
        raise errors.UnsupportedMediaType(f"Send the reports as {NDJSON}, one per line.")
    if ctx.exercise.status in service.CLOSED:
        raise errors.ExerciseNotTakingReports(f"The exercise is {ctx.exercise.status}; it takes no more reports.")
    settings = request.app.state.settings
    results = bulk.results(
        request.stream(),
        factory,
        ctx=ctx,
        batch_lines=settings.bulk_batch_lines,
        max_lines=settings.bulk_max_lines,
        max_line_bytes=settings.max_body_bytes,
    )
    return RequestDrivenStream(results, media_type=NDJSON)


@router.get(
    "/{report_id:uuid}",
    response_model=ReportRead,
    summary="Read a report",
    responses={200: {"content": {XML: {"schema": {"type": "string"}}}}, **err(errors.ReportNotFound)},
)
def get_report(
    request: Request, session: SessionDep, ctx: ReportReaders, report_id: uuid.UUID
) -> ReportRead | Response:
    """Section A as submitted, classification and flags, Section C notes. With `Accept: application/xml` the answer
    is the `<report>` document, valid against the CyberTipline XSD."""
    report = service.get(session, ctx=ctx, report_id=report_id)
    if XML in request.headers.get("accept", "") and "application/json" not in request.headers.get("accept", ""):
        return Response(report_to_xml(ReportDocument.model_validate(report.document)), media_type=XML)
    return _read(session, report)


@router.get(
    "", response_model=Page[ReportSummary], summary="List reports", responses=err(UnprocessableEntity, InvalidFilter)
)
def list_reports(
    session: SessionDep,
    ctx: ReportReaders,
    page: PageDep,
    expression: Annotated[Expression | None, query_parameter(REPORT_FIELDS)],
    incident_type: IncidentType | None = None,
    received_from: Annotated[Rfc3339 | None, Query(description="Received at or after (exercise time).")] = None,
    received_to: Annotated[Rfc3339 | None, Query(description="Received before (exercise time).")] = None,
    reporter_id: uuid.UUID | None = None,
    classification: Literal["referral", "informational"] | None = None,
    urgent: bool | None = None,
    annotation: Annotated[list[AnnotationName] | None, Query(description="Reports carrying all of these.")] = None,
    province: Annotated[
        str | None, Query(max_length=100, description="Best location's province: ISO 3166-2:ID code or name.")
    ] = None,
) -> Page[ReportSummary]:
    filters = service.ReportFilter(
        incident_type=incident_type,
        received_from=received_from,
        received_to=received_to,
        reporter_id=reporter_id,
        classification=classification,
        urgent=urgent,
        annotations=tuple(annotation or ()),
        province=_province(province),
        expression=expression,
    )
    rows, cursor, total = service.list_reports(session, ctx=ctx, filters=filters, params=page)
    return Page(items=[ReportSummary.model_validate(r) for r in rows], next_cursor=cursor, total=total)


def _province(text: str | None) -> str | None:
    if text is None:
        return None
    found = geo.find_province(text)
    if found is None:
        raise UnprocessableEntity(
            f"No Indonesian province is called {text!r}.",
            errors=[ProblemDetailItem(pointer="province", location="query", message="unknown province")],
        )
    return found.iso


indicators_router = APIRouter(
    prefix="/exercises/{exercise_id}/indicators", tags=["reports"], responses=err(Unauthorized, NotFound, Forbidden)
)


@indicators_router.get(
    "",
    response_model=Page[IndicatorHit],
    summary="Find the reports and cases holding a value",
    responses=err(errors.InvalidIndicator),
)
def find_indicator(
    session: SessionDep,
    ctx: Staff,
    page: PageDep,
    kind: IndicatorKind,
    value: Annotated[str, Query(min_length=1, max_length=2000, description="Normalised as intake does.")],
    scope: Annotated[
        str | None, Query(max_length=500, description="For screen names and ESP user ids: the service.")
    ] = None,
) -> Page[IndicatorHit]:
    """Emails are compared lower-cased, phone numbers in E.164 (give them with `+` and country code), IPs in
    canonical form, screen names case-folded and scoped to their service."""
    rows, cursor, total = service.find_indicator(session, ctx=ctx, kind=kind, value=value, scope=scope, params=page)
    return Page(
        items=[
            IndicatorHit(
                kind=i.kind,
                scope=i.scope,
                value=i.value,
                pointer=i.pointer,
                report_id=r.id,
                report_number=r.number,
                case_id=r.case_id,
            )
            for i, r in rows
        ],
        next_cursor=cursor,
        total=total,
    )
