"""HTTP: case statistics for dashboards, scripts and debriefs. Every figure counts only the cases the caller sees
(``app.cases.visibility``); ``format=csv`` or ``Accept: text/csv`` answers CSV with the columns docs/stats.md lists."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.dependencies import Staff
from app.cases.models import Classification, Priority
from app.cases.schemas import Tag
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.filters import Expression, InvalidFilter, query_parameter
from app.core.schemas import Rfc3339
from app.db.session import SessionDep
from app.reports.document import IncidentType
from app.routing.fields import REPORT_FIELDS
from app.stats import errors, service
from app.stats.queries import StatsFilter
from app.stats.render import CSV_MEDIA_TYPE, to_csv
from app.stats.schemas import (
    BacklogRead,
    BreakdownRead,
    Dimension,
    DurationMetric,
    DurationsRead,
    Interval,
    PeriodReportRead,
    SlaStatsRead,
    StatsRead,
    SummaryRead,
    TimeMetric,
    TimeseriesRead,
)

router = APIRouter(
    prefix="/exercises/{exercise_id}/stats",
    tags=["stats"],
    responses=err(Unauthorized, NotFound, Forbidden, errors.InvalidStatsQuery, InvalidFilter),
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}, "description": "JSON, or CSV on request."}
}
DIMENSIONS = ", ".join(f"`{d.value}`" for d in Dimension)


def stats_filter(
    expression: Annotated[Expression | None, query_parameter(REPORT_FIELDS)],
    received_from: Annotated[Rfc3339 | None, Query(description="Cases received at or after (exercise time).")] = None,
    received_to: Annotated[Rfc3339 | None, Query(description="Cases received before (exercise time).")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Cases of this unit.")] = None,
    include_descendants: Annotated[
        bool, Query(description="With `unit_id`: also the units below it (default).")
    ] = True,
    incident_type: IncidentType | None = None,
    priority: Annotated[list[Priority] | None, Query(description="Any of these priorities.")] = None,
    classification: Classification | None = None,
    province: Annotated[str | None, Query(pattern=r"^ID-[A-Z]{2}$", description="ISO 3166-2:ID code.")] = None,
    tag: Annotated[list[Tag] | None, Query(max_length=20, description="Cases carrying all of these tags.")] = None,
) -> StatsFilter:
    if received_from is not None and received_to is not None:
        service.check_range(received_from, received_to)
    return StatsFilter(
        received_from=received_from,
        received_to=received_to,
        unit_id=unit_id,
        include_descendants=include_descendants,
        incident_type=incident_type,
        priority=tuple(p.value for p in priority or ()),
        classification=classification,
        province=province,
        tags=tuple(tag or ()),
        expression=expression,
    )


Filters = Annotated[StatsFilter, Depends(stats_filter)]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for CSV (as `Accept: text/csv`); JSON otherwise."),
]


def _answer(request: Request, fmt: str | None, build: Callable[[], StatsRead]) -> Any:
    wants_csv = fmt == "csv" or (fmt is None and CSV_MEDIA_TYPE in request.headers.get("accept", ""))
    model = build()
    if wants_csv:
        return Response(to_csv(model), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
    return model


@router.get("/summary", response_model=SummaryRead, responses=CSV_RESPONSE, summary="Totals and SLA figures")
def summary(session: SessionDep, ctx: Staff, filters: Filters, request: Request, format: Format = None) -> Any:
    """Totals by status, priority and classification; open backlog; breached and at-risk SLAs now; deconflicted
    (linked) cases; reports against cases and bundles."""
    return _answer(request, format, lambda: service.summary(session, ctx=ctx, filters=filters))


@router.get(
    "/breakdown", response_model=BreakdownRead, responses=CSV_RESPONSE, summary="Counts by one or two dimensions"
)
def breakdown(
    session: SessionDep,
    ctx: Staff,
    filters: Filters,
    request: Request,
    by: Annotated[str, Query(max_length=100, description=f"One or two of {DIMENSIONS}, comma-separated.")],
    format: Format = None,
) -> Any:
    """Cases counted per value (pair of values) of `by`. With `unit`, each row adds `subtree_count`, the count
    rolled up over the units below, and rows for parent units appear even with no case of their own."""
    dims = service.parse_by(by, allow_empty=False)
    return _answer(request, format, lambda: service.breakdown(session, ctx=ctx, filters=filters, by=dims))


@router.get("/timeseries", response_model=TimeseriesRead, responses=CSV_RESPONSE, summary="Counts per time bucket")
def timeseries(
    session: SessionDep,
    ctx: Staff,
    filters: Filters,
    request: Request,
    metric: Annotated[TimeMetric, Query(description="The milestone counted.")] = TimeMetric.received,
    interval: Annotated[Interval, Query(description="Bucket width; weeks start Monday 00:00 UTC.")] = Interval.day,
    start: Annotated[Rfc3339 | None, Query(alias="from", description="Milestones at or after (exercise time).")] = None,
    end: Annotated[Rfc3339 | None, Query(alias="to", description="Milestones before (exercise time).")] = None,
    format: Format = None,
) -> Any:
    """How many cases reached `metric` in each bucket of exercise time (UTC), empty buckets included. `breached`
    counts recorded SLA breaches (triage and first action each)."""
    return _answer(
        request,
        format,
        lambda: service.timeseries(
            session, ctx=ctx, filters=filters, metric=metric, interval=interval, start=start, end=end
        ),
    )


@router.get("/durations", response_model=DurationsRead, responses=CSV_RESPONSE, summary="Time to each milestone")
def durations(
    session: SessionDep,
    ctx: Staff,
    filters: Filters,
    request: Request,
    metric: Annotated[DurationMetric, Query(description="From the case's opening to this milestone.")] = (
        DurationMetric.time_to_triage
    ),
    by: Annotated[str | None, Query(max_length=40, description=f"Group by one of {DIMENSIONS}.")] = None,
    format: Format = None,
) -> Any:
    """Count, mean, p50, p90, p99 and max in seconds of exercise time, on-hold time excluded; percentiles by
    nearest rank."""
    dims = service.parse_by(by, allow_empty=True, most=1)
    return _answer(
        request,
        format,
        lambda: service.durations(session, ctx=ctx, filters=filters, metric=metric, by=dims[0] if dims else None),
    )


@router.get("/sla", response_model=SlaStatsRead, responses=CSV_RESPONSE, summary="SLA compliance")
def sla(session: SessionDep, ctx: Staff, filters: Filters, request: Request, format: Format = None) -> Any:
    """Per clock (triage, first action): met, breached, pending and compliance, in total, per priority, per unit."""
    return _answer(request, format, lambda: service.sla_stats(session, ctx=ctx, filters=filters))


@router.get("/backlog", response_model=BacklogRead, responses=CSV_RESPONSE, summary="Open cases by age; workload")
def backlog(session: SessionDep, ctx: Staff, filters: Filters, request: Request, format: Format = None) -> Any:
    """Open cases (not closed or referred) by age since received and status; open cases per assignee."""
    return _answer(request, format, lambda: service.backlog(session, ctx=ctx, filters=filters))


@router.get(
    "/period-report", response_model=PeriodReportRead, responses=CSV_RESPONSE, summary="The report units send upward"
)
def period_report(
    session: SessionDep,
    ctx: Staff,
    filters: Filters,
    request: Request,
    start: Annotated[Rfc3339, Query(alias="from", description="Start of the period (exercise time).")],
    end: Annotated[Rfc3339, Query(alias="to", description="End of the period, exclusive (exercise time).")],
    format: Format = None,
) -> Any:
    """Outstanding at `from`, received and closed in [`from`, `to`), outstanding at `to`, per unit and incident
    type, with a total."""
    return _answer(
        request, format, lambda: service.period_report(session, ctx=ctx, filters=filters, start=start, end=end)
    )
