"""Bulk NDJSON intake: one report per line, each stored or refused on its own, results streamed line by line.

A line is a report document, or an envelope ``{"idempotency_key": "...", "report": {...}}`` that makes the line
safe to replay. Lines are processed in batches: each line runs in its own savepoint (a refused line leaves nothing
behind), each batch commits once, and a batch's results are released only after its commit, so every result a
client has seen is durable and a crash mid-stream leaves each line fully stored or absent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.core.errors import AppError, problem_type
from app.reports import service
from app.reports.document import Report as ReportDocument
from app.reports.document import error_pointers
from app.reports.models import ReportSource

MAX_KEY = 200


def _problem(
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _refused(line: int, problem: dict[str, Any]) -> dict[str, Any]:
    return {"line": line, "status": problem["status"], "problem": problem}


def parse_line(raw: bytes) -> tuple[ReportDocument, str | None] | dict[str, Any]:
    """The report and key of one line, or the problem that refuses it."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _problem(400, "malformed-json", "Malformed JSON", f"The line is not valid JSON: {exc}.")
    key = None
    if isinstance(data, dict) and "report" in data:
        key = data.get("idempotency_key")
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY):
            return _problem(
                422,
                "validation-error",
                "Request validation failed",
                "Bad idempotency_key.",
                [{"pointer": "/idempotency_key", "location": "body", "message": f"a string of 1-{MAX_KEY} characters"}],
            )
        data = data["report"]
        prefix = "/report"
    else:
        prefix = ""
    try:
        return ReportDocument.model_validate(data), key
    except ValidationError as exc:
        items = [{"pointer": prefix + p, "location": "body", "message": m} for p, m in error_pointers(exc)]
        return _problem(422, "validation-error", "Request validation failed", f"{len(items)} problem(s).", items)


def store_line(session: Session, *, ctx: ExerciseContext, line: int, raw: bytes) -> dict[str, Any]:
    parsed = parse_line(raw)
    if isinstance(parsed, dict):
        return _refused(line, parsed)
    document, key = parsed
    savepoint = session.begin_nested()
    try:
        intake = service.submit(session, ctx=ctx, document=document, source=ReportSource.bulk, idempotency_key=key)
        savepoint.commit()
    except AppError as exc:
        savepoint.rollback()
        errors = [e.model_dump() for e in exc.errors] if exc.errors else None
        return _refused(
            line, {**_problem(exc.status_code, exc.slug, exc.title, exc.detail or exc.title, errors), **exc.extra}
        )
    except IntegrityError:
        savepoint.rollback()
        return _refused(line, _problem(409, "conflict", "Conflict", "Stored concurrently by another request."))
    report = intake.report
    return {
        "line": line,
        "status": 200 if intake.replayed else 201,
        "id": str(report.id),
        "number": report.number,
        "case_id": str(report.case_id) if report.case_id else None,
    }


async def lines(chunks: AsyncIterator[bytes], *, max_line_bytes: int) -> AsyncIterator[bytes | None]:
    """Complete lines of a byte stream without holding more than one line; None for a line over the limit."""
    pending = bytearray()
    oversized = False
    async for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            if not oversized:
                pending += chunk[start:end]
            yield None if oversized or len(pending) > max_line_bytes else bytes(pending)
            pending.clear()
            oversized = False
            start = end + 1
        if not oversized:
            pending += chunk[start:]
            if len(pending) > max_line_bytes:
                oversized = True
                pending.clear()
    if pending or oversized:
        yield None if oversized else bytes(pending)


def refuse_oversized(line: int, limit: int) -> dict[str, Any]:
    return _refused(line, _problem(413, "payload-too-large", "Line too large", f"A line may hold {limit} bytes."))


def refuse_too_many(line: int, limit: int) -> dict[str, Any]:
    return _refused(line, _problem(413, "too-many-lines", "Too many lines", f"A bulk intake takes {limit} lines."))


def store_batch(
    session_factory: Callable[[], Session],
    *,
    ctx: ExerciseContext,
    batch: list[tuple[int, bytes | None]],
    max_line_bytes: int,
) -> bytes:
    """Store one batch in one transaction; its NDJSON results, released only once committed."""
    session = session_factory()
    try:
        results = [
            store_line(session, ctx=ctx, line=n, raw=raw) if raw is not None else refuse_oversized(n, max_line_bytes)
            for n, raw in batch
        ]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return b"".join(json.dumps(r, default=str).encode() + b"\n" for r in results)
