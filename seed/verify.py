"""``tipdesk verify-safe``: every identifier of an exercise's reports checked against the reserved ranges
(``../shared/reference/safe-identifiers.md``), with intake's own checks (``app.reports.identifiers``).

The scan reads the stored JSON directly (Section A, and each file's details), without building models, so it can
go through millions of reports. It checks what the strict-intake guard checks, found by field name: the values of
``email``/``emailAddress`` entries, ``phone``/``phoneNumber`` (with their ``countryCallingCode``),
``ipCaptureEvent`` addresses, ``deviceId`` values (MACs and IMEIs), and the URL fields ``url``, ``profileUrl``,
``legalURL`` and ``locationOfFile``, in Section A and in every file's details (``/files/<i>/details/...``, files
in the order the API lists them). tests/seed/test_verify.py keeps these field names in step with the models and
the findings in step with the guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports import identifiers as ids
from app.reports.document import json_pointer
from app.reports.guard import URL_FIELDS
from app.reports.models import Report, ReportFile

EMAIL_FIELDS = frozenset({"email", "emailAddress"})
PHONE_FIELDS = frozenset({"phone", "phoneNumber"})
IP_FIELDS = frozenset({"ipCaptureEvent"})
DEVICE_FIELDS = frozenset({"deviceId"})
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Offender:
    report_number: int
    pointer: str
    kind: str
    value: str
    reason: str


@lru_cache(maxsize=65536)
def _verdict(kind: str, value: str, extra: str | None) -> str | None:
    if kind == "email":
        verdict = ids.check_email(value)
    elif kind == "phone":
        verdict = ids.check_phone(value, extra)
    elif kind == "ip":
        verdict = ids.check_ip(value)
    elif kind == "device":
        verdict = ids.check_device_id(extra or "", value)
    else:
        verdict = ids.check_url(value)
    return None if verdict.ok else verdict.reason or "not reserved"


def _items(value: Any) -> list[tuple[int | None, dict[str, Any]]]:
    entries = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    return [(i, v) for i, v in entries if isinstance(v, dict)]


def _at(path: Path, name: str, index: int | None, *rest: str) -> Path:
    return (*path, name, *rest) if index is None else (*path, name, index, *rest)


def _checks(path: Path, name: str, value: Any) -> list[tuple[Path, str, Any, Any]]:
    """(path, kind, value, extra) of the identifiers a field holds."""
    if name in URL_FIELDS:
        urls = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        return [(_at(path, name, i), "url", v, None) for i, v in urls]
    if name in EMAIL_FIELDS:
        return [(_at(path, name, i, "value"), "email", v.get("value"), None) for i, v in _items(value)]
    if name in PHONE_FIELDS:
        return [
            (_at(path, name, i, "value"), "phone", v.get("value"), v.get("countryCallingCode"))
            for i, v in _items(value)
        ]
    if name in IP_FIELDS:
        return [(_at(path, name, i, "ipAddress"), "ip", v.get("ipAddress"), None) for i, v in _items(value)]
    if name in DEVICE_FIELDS:
        return [(_at(path, name, i, "idValue"), "device", v.get("idValue"), v.get("idType")) for i, v in _items(value)]
    return []


def scan(node: Any, path: Path = ()) -> Iterator[tuple[Path, str, str, str]]:
    """(path, kind, value, reason) for each identifier in a JSON document outside the reserved ranges."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from scan(item, (*path, index))
        return
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if value is None:
            continue
        for where, kind, text, extra in _checks(path, name, value):
            if isinstance(text, str) and (reason := _verdict(kind, text, extra if isinstance(extra, str) else None)):
                yield where, kind, text, reason
        if isinstance(value, dict | list) and name not in URL_FIELDS:
            yield from scan(value, (*path, name))


def scan_report(number: int, document: dict[str, Any], files: list[dict[str, Any] | None]) -> list[Offender]:
    found = [Offender(number, json_pointer(p), k, v, r) for p, k, v, r in scan(document)]
    for i, details in enumerate(files):
        if details is not None:
            found += [
                Offender(number, json_pointer(p), k, v, r) for p, k, v, r in scan(details, ("files", i, "details"))
            ]
    return found


def verify_exercise(session: Session, *, exercise_id: uuid.UUID, batch: int = 2000) -> Iterator[Offender]:
    """Every offender of the exercise, report by report in number order (reads `batch` reports at a time)."""
    after = 0
    while True:
        rows = session.execute(
            select(Report.id, Report.number, Report.document)
            .where(Report.exercise_id == exercise_id, Report.number > after)
            .order_by(Report.number)
            .limit(batch)
        ).all()
        if not rows:
            return
        files: dict[uuid.UUID, list[dict[str, Any] | None]] = {}
        for report_id, details in session.execute(
            select(ReportFile.report_id, ReportFile.details)
            .where(ReportFile.report_id.in_([r.id for r in rows]))
            .order_by(ReportFile.report_id, ReportFile.received_at, ReportFile.file_id)
        ):
            files.setdefault(report_id, []).append(details)
        for report_id, number, document in rows:
            yield from scan_report(number, document, files.get(report_id, []))
        after = rows[-1].number
