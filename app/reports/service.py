"""Report intake and reading. A report, its case, its indicators and their events commit together."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases.visibility import report_arrived
from app.core.errors import AppError
from app.core.filters import Expression, to_sql
from app.core.pagination import PageParams, paginate
from app.reports import errors, indicators, intake
from app.reports.document import Report as ReportDocument
from app.reports.grouped import GroupedIntake
from app.reports.intake import FileRecord
from app.reports.models import Indicator, Report, ReportFile, ReportSource

CLOSED = intake.CLOSED
request_hash = intake.request_hash


@dataclass(frozen=True, slots=True)
class Intake:
    report: Report
    replayed: bool
    document: ReportDocument | None = None  # Section A as stored, when at hand (a new report)


def submit(
    session: Session,
    *,
    ctx: ExerciseContext,
    document: ReportDocument,
    source: ReportSource,
    idempotency_key: str | None,
    files: Sequence[FileRecord] = (),
    arrives_at: datetime | None = None,
    grouped: GroupedIntake | None = None,
) -> Intake:
    """Store one report with its case, files, indicators and events (see `app.reports.intake`). ``arrives_at``
    (instructors: injecting a report at a chosen moment) schedules it: it arrives when the exercise clock gets there,
    and may not be before the clock's current time. With ``grouped`` (``app.reports.grouped``) the report is stored
    and committed together with its submitter's concurrent reports. ``session``'s transaction has changed nothing
    of the exercise's set-up, so the set-up version read with the caller's exercise still holds."""
    if arrives_at is not None:
        now = ctx.now()
        if arrives_at < now:
            raise errors.ArrivalInPast(
                f"The exercise clock is already at {now.isoformat()}; schedule the arrival at or after it.",
                extra={"parameter": "arrives_at", "now": now.isoformat()},
            )
    prepared = intake.prepare(ctx, document, idempotency_key=idempotency_key, files=files)
    prepared.arrives_at = arrives_at
    if grouped is not None:
        result = grouped.store(session, ctx=ctx, prepared=prepared, source=source)
    else:
        setup_version = ctx.exercise.setup_version
        [outcome] = intake.store(session, ctx=ctx, items=[prepared], source=source, setup_version=setup_version)
        if isinstance(outcome, AppError):
            raise outcome
        result = outcome
    if result.row is not None:  # just written: the report is what was inserted, no need to read it back
        return Intake(Report(**result.row), replayed=False, document=prepared.document)
    report = session.get(Report, result.report_id)
    assert report is not None
    return Intake(report, replayed=result.replayed)


def _visible(ctx: ExerciseContext) -> list[Any]:
    """Reporters see their own submissions; every other role sees all reports of the exercise; nobody sees a
    scheduled report before it arrives (``app.cases.visibility.report_arrived``)."""
    arrived = report_arrived(ctx.now())
    if ctx.role == ExerciseRole.reporter:
        return [Report.reporter_id == ctx.principal.user.id, arrived]
    return [arrived]


def get(session: Session, *, ctx: ExerciseContext, report_id: uuid.UUID) -> Report:
    report = session.scalar(
        select(Report).where(Report.id == report_id, Report.exercise_id == ctx.exercise.id, *_visible(ctx))
    )
    if report is None:
        raise errors.ReportNotFound("No report with that id in this exercise.")
    return report


@dataclass(frozen=True, slots=True)
class ReportFilter:
    incident_type: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    reporter_id: uuid.UUID | None = None
    classification: str | None = None
    urgent: bool | None = None
    annotations: Sequence[str] = ()
    province: str | None = None  # ISO 3166-2:ID
    expression: Expression | None = None  # the filter language over REPORT_FIELDS


def list_reports(
    session: Session, *, ctx: ExerciseContext, filters: ReportFilter, params: PageParams
) -> tuple[list[Report], str | None, int | None]:
    stmt = select(Report).where(Report.exercise_id == ctx.exercise.id, *_visible(ctx))
    if filters.incident_type is not None:
        stmt = stmt.where(Report.incident_type == filters.incident_type)
    if filters.received_from is not None:
        stmt = stmt.where(Report.received_at >= filters.received_from)
    if filters.received_to is not None:
        stmt = stmt.where(Report.received_at < filters.received_to)
    if filters.reporter_id is not None:
        stmt = stmt.where(Report.reporter_id == filters.reporter_id)
    if filters.classification is not None:
        stmt = stmt.where(Report.classification == filters.classification)
    if filters.urgent is not None:
        stmt = stmt.where(Report.urgent == filters.urgent)
    if filters.province is not None:
        stmt = stmt.where(Report.location_province == filters.province)
    for annotation in filters.annotations:
        # annotation names are schema identifiers (no quotes), so the quoted name matches exactly one element
        stmt = stmt.where(cast(Report.annotations, String).like(f'%"{annotation}"%'))
    if filters.expression is not None:
        stmt = stmt.where(to_sql(filters.expression))
    return paginate(session, stmt, keys=[Report.number], params=params)


def files_of(session: Session, *, report: Report) -> list[ReportFile]:
    return list(
        session.scalars(
            select(ReportFile)
            .where(ReportFile.report_id == report.id)
            .order_by(ReportFile.received_at, ReportFile.file_id)
        )
    )


def find_indicator(
    session: Session,
    *,
    ctx: ExerciseContext,
    kind: indicators.IndicatorKind,
    value: str,
    scope: str | None,
    params: PageParams,
) -> tuple[list[tuple[Indicator, Report]], str | None, int | None]:
    """Reports (and their cases) holding a value, normalised the way intake stores it."""
    query = indicators.normalize_query(kind, value, scope)
    if query is None:
        raise errors.InvalidIndicator(f"{value!r} cannot be read as a {kind}.", extra={"parameter": "value"})
    normalized, wanted_scope = query
    stmt = select(Indicator).where(
        Indicator.exercise_id == ctx.exercise.id,
        Indicator.kind == kind,
        Indicator.value_hash == hashlib.sha256(normalized.encode()).hexdigest(),
        Indicator.value == normalized,
        Indicator.report_id.in_(select(Report.id).where(Report.exercise_id == ctx.exercise.id, *_visible(ctx))),
    )
    if wanted_scope is not None:
        stmt = stmt.where(Indicator.scope == wanted_scope)
    rows, cursor, total = paginate(session, stmt, keys=[Indicator.id], params=params)
    reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_([i.report_id for i in rows])))}
    return [(i, reports[i.report_id]) for i in rows], cursor, total
