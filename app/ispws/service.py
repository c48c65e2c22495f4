"""The protocol's report lifecycle: `submit` opens a report, `upload` and `fileinfo` add files and their details,
`finish` files it into the exercise (through the report intake), `retract` cancels it; open reports expire.

Only `finish` makes a report: until then nothing of it is in the exercise's reports, cases or indicators. Every
change appends an `ispws.*` event (subject `ispws_report`, the protocol's report id) in the same transaction.

An expired open report (`app.ispws.expiry`) answers "does not exist" (5001); it is deleted when a call touches it
and when its exercise opens a new one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.exercises.models import IntakeMode
from app.ispws import expiry
from app.ispws.bodies import ReceivedFile
from app.ispws.errors import Code, ProtocolError, report_not_found
from app.ispws.events import record
from app.ispws.models import IspwsFile, IspwsReport, IspwsStatus
from app.ispws.xml import describe
from app.reports import errors as report_errors
from app.reports import guard
from app.reports import service as reports_service
from app.reports.document import FileDetails
from app.reports.document import Report as ReportDocument
from app.reports.intake import FileRecord
from app.reports.models import ReportSource

MAX_REPORT_ID = 2**63 - 1  # xs:long
FILE_ID = re.compile(r"[0-9a-f]{32}")


def _now(session: Session, ctx: ExerciseContext) -> datetime:
    """The exercise time, from the exercise as stored now (the caller was resolved before the body was read)."""
    session.refresh(ctx.exercise)
    if ctx.exercise.status in reports_service.CLOSED:
        raise ProtocolError(
            Code.not_authorized_for_submissions,
            f"Not authorized for submissions: the exercise is {ctx.exercise.status} and takes no more reports.",
        )
    return ctx.now()


def _unsafe(problems: Sequence[str], report_id: int | None) -> ProtocolError:
    lead = "Validation failed: strict intake refuses identifiers outside the reserved ranges"
    return ProtocolError(Code.validation_failed, describe(problems, lead=lead), report_id=report_id)


def _refuse_unsafe(ctx: ExerciseContext, findings: Sequence[guard.Finding], *, report_id: int | None = None) -> None:
    """In a strict exercise, refuse identifiers outside the reserved ranges (a lenient one flags them on finish)."""
    if findings and ctx.exercise.intake_mode == IntakeMode.strict:
        raise _unsafe([f"{f.pointer}: {f.reason}" for f in findings], report_id)


def _locked(session: Session, *, ctx: ExerciseContext, report_id: int, now: datetime) -> IspwsReport:
    """The caller's report, locked; 5001 if unknown, another caller's, or expired (deleted now)."""
    if not 1 <= report_id <= MAX_REPORT_ID:
        raise report_not_found(None)
    row = session.scalar(
        select(IspwsReport)
        .where(
            IspwsReport.id == report_id,
            IspwsReport.exercise_id == ctx.exercise.id,
            IspwsReport.user_id == ctx.principal.user.id,
        )
        .with_for_update()
    )
    if row is None:
        raise report_not_found(report_id)
    if row.status == IspwsStatus.open and row.expires_at is not None and row.expires_at <= now:
        expiry.purge(session, exercise_id=ctx.exercise.id, now=now, report_id=row.id)
        session.expunge(row)
        raise report_not_found(report_id)
    return row


def _open(session: Session, *, ctx: ExerciseContext, report_id: int, now: datetime) -> IspwsReport:
    row = _locked(session, ctx=ctx, report_id=report_id, now=now)
    if row.status == IspwsStatus.finished:
        raise ProtocolError(Code.already_finished, "The report is already finished.", report_id=row.id)
    if row.status == IspwsStatus.retracted:
        raise ProtocolError(Code.already_retracted, "The report is already retracted.", report_id=row.id)
    return row


def _touch(row: IspwsReport, now: datetime) -> None:
    row.changed_at = now
    row.expires_at = expiry.expires_at(row.opened_at, now)


def open_report(session: Session, *, ctx: ExerciseContext, document: ReportDocument) -> IspwsReport:
    """`submit`: a new open report holding `document` (screened now in strict exercises, and again on finish)."""
    now = _now(session, ctx)
    _refuse_unsafe(ctx, guard.scan_report(document))
    expiry.purge(session, exercise_id=ctx.exercise.id, now=now)
    row = IspwsReport(
        exercise_id=ctx.exercise.id,
        user_id=ctx.principal.user.id,
        status=IspwsStatus.open,
        document=document.model_dump(mode="json", exclude_none=True),
        file_count=0,
        opened_at=now,
        changed_at=now,
        expires_at=expiry.expires_at(now, now),
    )
    session.add(row)
    session.flush()
    record(
        session,
        exercise_id=ctx.exercise.id,
        actor=ctx.actor,
        at=now,
        type="opened",
        report_id=row.id,
        data={"incident_type": document.incidentSummary.incidentType, "expires_at": row.expires_at},
    )
    return row


def add_file(
    session: Session, *, ctx: ExerciseContext, report_id: int, file: ReceivedFile, max_files: int
) -> IspwsFile:
    """`upload`: what was measured of a file (its bytes are gone already), under a new random file id."""
    now = _now(session, ctx)
    row = _open(session, ctx=ctx, report_id=report_id, now=now)
    if row.file_count >= max_files:
        raise ProtocolError(
            Code.upload_failed,
            f"Upload failed: the report holds the most files allowed ({max_files}).",
            report_id=row.id,
        )
    stored = IspwsFile(
        file_id=secrets.token_hex(16),
        ispws_report_id=row.id,
        position=row.file_count + 1,
        file_name=file.name,
        size=file.size,
        md5=file.md5,
        sha1=file.sha1,
        sha256=file.sha256,
        details=None,
        uploaded_at=now,
    )
    session.add(stored)
    row.file_count += 1
    _touch(row, now)
    session.flush()
    record(
        session,
        exercise_id=ctx.exercise.id,
        actor=ctx.actor,
        at=now,
        type="file_uploaded",
        report_id=row.id,
        data={"file_id": stored.file_id, "size": file.size, "md5": file.md5},
    )
    return stored


def describe_file(session: Session, *, ctx: ExerciseContext, details: FileDetails) -> IspwsFile:
    """`fileinfo`: the `<fileDetails>` of an uploaded file, once per file."""
    now = _now(session, ctx)
    row = _open(session, ctx=ctx, report_id=details.reportId, now=now)
    stored = None
    if FILE_ID.fullmatch(details.fileId):
        stored = session.scalar(
            select(IspwsFile).where(IspwsFile.file_id == details.fileId, IspwsFile.ispws_report_id == row.id)
        )
    if stored is None:
        raise ProtocolError(Code.file_not_found, "File does not exist in this report.", report_id=row.id)
    if stored.details is not None:
        raise ProtocolError(
            Code.update_failed, "Update failed: this file's details were given already.", report_id=row.id
        )
    _refuse_unsafe(ctx, guard.scan_file_details(details), report_id=row.id)
    stored.details = details.model_dump(mode="json", exclude_none=True)
    _touch(row, now)
    session.flush()
    record(
        session,
        exercise_id=ctx.exercise.id,
        actor=ctx.actor,
        at=now,
        type="file_described",
        report_id=row.id,
        data={"file_id": stored.file_id},
    )
    return stored


@dataclass(frozen=True, slots=True)
class Finished:
    row: IspwsReport
    file_ids: list[str]


def finish(session: Session, *, ctx: ExerciseContext, report_id: int) -> Finished:
    """`finish`: the report enters the exercise (intake, enrichment, case, routing) with its files."""
    now = _now(session, ctx)
    row = _open(session, ctx=ctx, report_id=report_id, now=now)
    files = session.scalars(
        select(IspwsFile).where(IspwsFile.ispws_report_id == row.id).order_by(IspwsFile.position)
    ).all()
    records = [
        FileRecord(
            file_id=f.file_id,
            file_name=f.file_name,
            size=f.size,
            md5=f.md5,
            sha1=f.sha1,
            sha256=f.sha256,
            details=FileDetails.model_validate(f.details) if f.details is not None else None,
        )
        for f in files
    ]
    try:
        with session.begin_nested():
            intake = reports_service.submit(
                session,
                ctx=ctx,
                document=ReportDocument.model_validate(row.document),
                source=ReportSource.ispws,
                idempotency_key=f"ispws:{row.id}",
                files=records,
            )
    except report_errors.UnsafeReport as exc:  # the exercise turned strict since submit
        raise _unsafe([f"{item.pointer}: {item.message}" for item in exc.errors or []], row.id) from None
    except report_errors.ExerciseNotTakingReports as exc:
        raise ProtocolError(Code.not_authorized_for_submissions, str(exc.detail), report_id=row.id) from None
    report = intake.report
    file_ids = [f.file_id for f in files]
    session.execute(delete(IspwsFile).where(IspwsFile.ispws_report_id == row.id))
    row.status = IspwsStatus.finished
    row.report_id = report.id
    row.document = None
    row.changed_at = now
    row.expires_at = None
    session.flush()
    record(
        session,
        exercise_id=ctx.exercise.id,
        actor=ctx.actor,
        at=now,
        type="finished",
        report_id=row.id,
        data={"report_id": report.id, "number": report.number, "case_id": report.case_id, "files": len(file_ids)},
    )
    return Finished(row, file_ids)


def retract(session: Session, *, ctx: ExerciseContext, report_id: int) -> IspwsReport:
    """`retract`: the open report is cancelled; its document and files are deleted."""
    now = _now(session, ctx)
    row = _open(session, ctx=ctx, report_id=report_id, now=now)
    session.execute(delete(IspwsFile).where(IspwsFile.ispws_report_id == row.id))
    row.status = IspwsStatus.retracted
    row.document = None
    row.changed_at = now
    row.expires_at = None
    session.flush()
    record(
        session,
        exercise_id=ctx.exercise.id,
        actor=ctx.actor,
        at=now,
        type="retracted",
        report_id=row.id,
        data={"files": row.file_count},
    )
    return row
