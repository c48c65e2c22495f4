"""``tipdesk export``: an exercise's reports as what intake reads, so a data set can be replayed elsewhere.

Reports come in number order, files in the order the API lists them. Output is deterministic: the same data
gives the same bytes (no ids, no wall-clock times), so two seedings with the same scenario, seed and clock origin
export identically.

- ``ndjson``: one line per report, the bulk intake's envelope (``POST .../reports/bulk`` reads ``report`` and
  ``idempotency_key``; the key is the report's own, else ``report-<number>``, so a replay is safe to repeat) plus
  ``reporter`` (the submitting account's display name: replay each reporter's lines with that ESP's account) and
  ``files`` (name, size, hashes and the ESP's ``fileDetails``; bulk intake ignores them). Keys are sorted.
- ``ispws-xml``: one XML document per line, as the CyberTipline protocol intake reads them: a ``<report>``, then
  one ``<fileDetails>`` per file whose ``reportId`` is the report's number here (a replaying client puts the id
  its ``/submit`` returned in its place). Line breaks inside text are written as ``&#10;``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports.document import FileDetails
from app.reports.document import Report as ReportDocument
from app.reports.models import Report, ReportFile
from app.reports.xml import file_details_to_xml, report_to_xml

Format = Literal["ndjson", "ispws-xml"]
FORMATS: tuple[Format, ...] = ("ndjson", "ispws-xml")


def _rows(session: Session, exercise_id: uuid.UUID, batch: int) -> Iterator[tuple[Report, list[ReportFile]]]:
    after = 0
    while True:
        reports = session.scalars(
            select(Report)
            .where(Report.exercise_id == exercise_id, Report.number > after)
            .order_by(Report.number)
            .limit(batch)
        ).all()
        if not reports:
            return
        files: dict[uuid.UUID, list[ReportFile]] = {}
        for f in session.scalars(
            select(ReportFile)
            .where(ReportFile.report_id.in_([r.id for r in reports]))
            .order_by(ReportFile.report_id, ReportFile.received_at, ReportFile.file_id)
        ):
            files.setdefault(f.report_id, []).append(f)
        for r in reports:
            yield r, files.get(r.id, [])
        after = reports[-1].number
        session.expunge_all()


def _file_json(f: ReportFile) -> dict[str, Any]:
    return {
        "file_id": f.file_id,
        "file_name": f.file_name,
        "size": f.size,
        "md5": f.md5,
        "sha1": f.sha1,
        "sha256": f.sha256,
        "details": f.details,
    }


def _one_line(xml: bytes) -> bytes:
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return body.strip().replace(b"\r", b"&#13;").replace(b"\n", b"&#10;")


def export(session: Session, *, exercise_id: uuid.UUID, format: Format, batch: int = 1000) -> Iterator[bytes]:
    """The export, line by line (each ending in a newline)."""
    for report, files in _rows(session, exercise_id, batch):
        if format == "ndjson":
            line = {
                "idempotency_key": report.idempotency_key or f"report-{report.number}",
                "reporter": report.esp_name,
                "report": report.document,
                "files": [_file_json(f) for f in files],
            }
            yield json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
            continue
        yield _one_line(report_to_xml(ReportDocument.model_validate(report.document))) + b"\n"
        for f in files:
            if f.details is not None:
                details = FileDetails.model_validate({**f.details, "reportId": report.number})
                yield _one_line(file_details_to_xml(details)) + b"\n"
