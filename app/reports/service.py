"""Report intake and reading. A report, its case, its indicators and their events commit together."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases import service as cases_service
from app.cases.models import Case, CaseStatus, Classification
from app.core.clock import wall
from app.core.errors import ProblemDetailItem
from app.core.pagination import PageParams, paginate
from app.events import service as events_service
from app.exercises import counters
from app.exercises.models import ExerciseStatus, IntakeMode
from app.reports import classification, enrichment, errors, guard, indicators
from app.reports.document import FileDetails, unknown_fields, without_unknown
from app.reports.document import Report as ReportDocument
from app.reports.models import Indicator, Report, ReportFile, ReportSource

CLOSED = (ExerciseStatus.closed, ExerciseStatus.archived)


def request_hash(document: ReportDocument) -> str:
    """SHA-256 of the canonical JSON of the document as received (unknown fields included)."""
    body = document.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Intake:
    report: Report
    replayed: bool


def _screen(ctx: ExerciseContext, document: ReportDocument) -> tuple[ReportDocument, list[dict[str, Any]]]:
    """Strict intake refuses unknown fields and real-looking identifiers; lenient intake keeps them as flags."""
    flags: list[dict[str, Any]] = [
        {"pointer": p, "kind": "unknown_field", "value": None, "reason": "not defined by the report schema"}
        for p in unknown_fields(document)
    ]
    clean = without_unknown(document) if flags else document  # flags so far are the unknown fields
    flags += [f.model_dump(mode="json") for f in guard.scan_report(clean)]
    if flags and ctx.exercise.intake_mode == IntakeMode.strict:
        raise errors.UnsafeReport(
            f"Strict intake refuses this report: {len(flags)} value(s) outside the reserved ranges or unknown.",
            errors=[ProblemDetailItem(pointer=f["pointer"], message=f["reason"]) for f in flags],
        )
    return clean, flags


def _annotations(document: ReportDocument) -> list[str]:
    flags = document.incidentSummary.reportAnnotations
    return sorted(name for name, value in (flags.model_dump() if flags else {}).items() if value)


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file as intake keeps it: name, size, hashes and the reporter's <fileDetails> (never the bytes)."""

    file_id: str
    file_name: str | None = None
    size: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    details: FileDetails | None = None


OPEN_CASE = (CaseStatus.closed, CaseStatus.referred)


def _bundle_case(
    session: Session, *, ctx: ExerciseContext, reporter_id: uuid.UUID, found: Sequence[indicators.Indicator]
) -> Case | None:
    """The open case of an earlier batched report from the same reporter that shares a file MD5, if any."""
    hashes = [hashlib.sha256(i.value.encode()).hexdigest() for i in found if i.kind == "md5"]
    if not hashes:
        return None
    return session.scalar(
        select(Case)
        .join(Report, Report.case_id == Case.id)
        .join(Indicator, Indicator.report_id == Report.id)
        .where(
            Report.exercise_id == ctx.exercise.id,
            Report.reporter_id == reporter_id,
            Report.batched.is_(True),
            Indicator.exercise_id == ctx.exercise.id,
            Indicator.kind == "md5",
            Indicator.value_hash.in_(hashes),
            Case.status.not_in(OPEN_CASE),
        )
        .order_by(Case.number)
        .limit(1)
    )


def submit(
    session: Session,
    *,
    ctx: ExerciseContext,
    document: ReportDocument,
    source: ReportSource,
    idempotency_key: str | None,
    files: Sequence[FileRecord] = (),
) -> Intake:
    if ctx.exercise.status in CLOSED:
        raise errors.ExerciseNotTakingReports(f"The exercise is {ctx.exercise.status}; it takes no more reports.")
    digest = request_hash(document)
    reporter_id = ctx.principal.user.id
    if idempotency_key is not None:
        earlier = session.scalar(
            select(Report).where(
                Report.exercise_id == ctx.exercise.id,
                Report.reporter_id == reporter_id,
                Report.idempotency_key == idempotency_key,
            )
        )
        if earlier is not None:
            if earlier.request_hash != digest:
                raise errors.IdempotencyMismatch(
                    "This Idempotency-Key was used for a different report; use a new key for a new report.",
                    extra={"report_id": str(earlier.id)},
                )
            return Intake(earlier, replayed=True)
    clean, flags = _screen(ctx, document)
    at = ctx.now()
    esp = ctx.principal.user.display_name
    found = indicators.extract_indicators(clean, files, esp=esp)
    kind = Classification(classification.ncmec_classification(clean, file_count=len(files), found=found))
    urgent = classification.is_urgent(clean)
    section_b = enrichment.enrich(
        session, exercise_id=ctx.exercise.id, document=clean, files=[f.details for f in files]
    )
    batched = clean.batchedReport is not None
    number = counters.next_value(session, exercise_id=ctx.exercise.id, name="report")
    case = _bundle_case(session, ctx=ctx, reporter_id=reporter_id, found=found) if batched else None
    if case is None:
        case = cases_service.open_case(
            session, ctx=ctx, classification=kind, urgent=urgent, at=at, report_number=number
        )
    else:
        cases_service.add_report(
            session, ctx=ctx, case=case, classification=kind, urgent=urgent, at=at, report_number=number
        )
    summary = clean.incidentSummary
    location = section_b.location
    report = Report(
        exercise_id=ctx.exercise.id,
        number=number,
        case_id=case.id,
        source=source,
        reporter_id=reporter_id,
        idempotency_key=idempotency_key,
        request_hash=digest,
        received_at=at,
        recorded_at=wall.now(),
        document=clean.model_dump(mode="json", exclude_none=True),
        incident_type=summary.incidentType,
        annotations=_annotations(clean),
        esp_name=esp,
        classification=kind,
        urgent=urgent,
        escalation=summary.escalateToHighPriority,
        flags=flags,
        notes=[],
        batched=batched,
        file_count=len(files),
        section_b=section_b.as_json(),
        location_source=location.source,
        location_country=location.country,
        location_province=location.province,
        location_regency_code=location.regency_code,
        location_city=location.city,
        location_district=location.district,
    )
    session.add(report)
    session.flush()
    session.add_all(
        ReportFile(
            exercise_id=ctx.exercise.id,
            report_id=report.id,
            file_id=f.file_id,
            file_name=f.file_name,
            size=f.size,
            md5=f.md5,
            sha1=f.sha1,
            sha256=f.sha256,
            details=f.details.model_dump(mode="json", exclude_none=True) if f.details else None,
            received_at=at,
        )
        for f in files
    )
    session.add_all(
        Indicator(
            exercise_id=ctx.exercise.id,
            report_id=report.id,
            kind=i.kind,
            scope=i.scope,
            value=i.value,
            value_hash=hashlib.sha256(i.value.encode()).hexdigest(),
            pointer=i.pointer,
        )
        for i in found
    )
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=at,
        actor=ctx.actor,
        type="report.received",
        subject_type="report",
        subject_id=report.id,
        data={
            "number": number,
            "case_id": case.id,
            "source": source,
            "incident_type": report.incident_type,
            "classification": kind,
            "urgent": urgent,
            "flags": len(flags),
            "files": len(files),
            "batched": batched,
            "province": location.province,
        },
    )
    session.flush()
    return Intake(report, replayed=False)


def _visible(ctx: ExerciseContext) -> list[Any]:
    """Reporters see their own submissions; every other role sees all reports of the exercise."""
    if ctx.role == ExerciseRole.reporter:
        return [Report.reporter_id == ctx.principal.user.id]
    return []


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
