"""Bulk NDJSON intake: one report per line, each stored or refused on its own, results streamed line by line.

A line is a report document, or an envelope ``{"idempotency_key": "...", "report": {...}}`` that makes the line
safe to replay. Lines are processed in batches: a batch's valid lines are stored together (a refused line is never
written; if the database refuses the batch, each line is stored again on its own), each batch commits once, and a
batch's results are released only after its commit, so every result a client has seen is durable and a crash
mid-stream leaves each line fully stored or absent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.auth.principal import ExerciseContext
from app.core.collector import collector_paused
from app.core.errors import AppError, problem_type
from app.reports import intake
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


def _result(line: int, outcome: intake.Stored | AppError) -> dict[str, Any]:
    if isinstance(outcome, AppError):
        errors = [e.model_dump() for e in outcome.errors] if outcome.errors else None
        problem = _problem(outcome.status_code, outcome.slug, outcome.title, outcome.detail or outcome.title, errors)
        return _refused(line, {**problem, **outcome.extra})
    return {
        "line": line,
        "status": 200 if outcome.replayed else 201,
        "id": str(outcome.report_id),
        "number": outcome.number,
        "case_id": str(outcome.case_id) if outcome.case_id else None,
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


Batch = list[tuple[int, bytes | None]]  # (line number, the line, or None for one over the size limit)


async def batches(
    chunks: AsyncIterator[bytes], *, size: int, max_lines: int, max_line_bytes: int
) -> AsyncIterator[tuple[Batch, int | None]]:
    """The stream's non-blank lines in batches of ``size``, numbered from 1 (blank lines count but are skipped); the
    last batch, with the number of the first line past ``max_lines`` if the stream goes on beyond it (no more is
    read then)."""
    batch: Batch = []
    number = 0
    async for raw in lines(chunks, max_line_bytes=max_line_bytes):
        number += 1
        if raw is not None and not raw.strip():
            continue
        if number > max_lines:
            yield batch, number
            return
        batch.append((number, raw))
        if len(batch) >= size:
            yield batch, None
            batch = []
    if batch:
        yield batch, None


def refuse_oversized(line: int, limit: int) -> dict[str, Any]:
    return _refused(line, _problem(413, "payload-too-large", "Line too large", f"A line may hold {limit} bytes."))


def refuse_too_many(line: int, limit: int) -> dict[str, Any]:
    return _refused(line, _problem(413, "too-many-lines", "Too many lines", f"A bulk intake takes {limit} lines."))


@dataclass(slots=True)
class PreparedBatch:
    """A batch's lines judged (parsed, validated, screened), not stored yet: the refused lines' results and the
    prepared reports of the others, in line order."""

    lines: list[int]  # every line of the batch, in order
    results: dict[int, dict[str, Any]]  # the refused lines' results so far
    to_store: list[int]  # the lines of `items`
    items: list[intake.Prepared]


def prepare_batch(ctx: ExerciseContext, *, batch: Batch, max_line_bytes: int) -> PreparedBatch:
    """Judge a batch's lines (pure Python, no database): it can run while the batch before it is being stored."""
    with collector_paused():  # the batch's many short-lived objects
        prepared = PreparedBatch([n for n, _ in batch], {}, [], [])
        for number, raw in batch:
            parsed = parse_line(raw) if raw is not None else None
            if parsed is None:
                prepared.results[number] = refuse_oversized(number, max_line_bytes)
            elif isinstance(parsed, dict):
                prepared.results[number] = _refused(number, parsed)
            else:
                document, key = parsed
                prepared.to_store.append(number)
                prepared.items.append(intake.prepare(ctx, document, idempotency_key=key))
        return prepared


def store_prepared(session_factory: Callable[[], Session], *, ctx: ExerciseContext, prepared: PreparedBatch) -> bytes:
    """Store a prepared batch in one transaction; its NDJSON results, released only once committed. The valid
    lines are written together; if the database refuses them together (a concurrent writer used one of their
    idempotency keys), they are stored again line by line, each in its own savepoint."""
    with collector_paused():
        with session_factory() as session:  # closing a session rolls back what it has not committed
            outcomes = intake.store_isolating(session, ctx=ctx, items=prepared.items, source=ReportSource.bulk)
            session.commit()
        results = prepared.results
        results.update((n, _result(n, o)) for n, o in zip(prepared.to_store, outcomes, strict=True))
        return b"".join(json.dumps(results[n], default=str).encode() + b"\n" for n in prepared.lines)


async def results(
    chunks: AsyncIterator[bytes],
    session_factory: Callable[[], Session],
    *,
    ctx: ExerciseContext,
    batch_lines: int,
    max_lines: int,
    max_line_bytes: int,
) -> AsyncIterator[bytes]:
    """The NDJSON results of a stream, batch by batch, in two stages: while one batch is stored (mostly waiting for
    the database), the next is read and judged. Batches are stored one after another, and a batch's results are
    sent once it has committed; a line past ``max_lines`` is refused after them all."""
    storing: asyncio.Future[bytes] | None = None  # the batch being stored

    async def stored() -> bytes:  # the results of the batch being stored, once committed
        nonlocal storing
        pending, storing = storing, None
        return await pending if pending is not None else b""

    too_many: int | None = None
    try:
        async for batch, past_limit in batches(
            chunks, size=batch_lines, max_lines=max_lines, max_line_bytes=max_line_bytes
        ):
            too_many = past_limit  # set on the last batch only
            if batch:
                prepared = await run_in_threadpool(prepare_batch, ctx, batch=batch, max_line_bytes=max_line_bytes)
                if done := await stored():
                    yield done
                storing = asyncio.ensure_future(
                    run_in_threadpool(store_prepared, session_factory, ctx=ctx, prepared=prepared)
                )
        if done := await stored():
            yield done
        if too_many is not None:
            yield json.dumps(refuse_too_many(too_many, max_lines)).encode() + b"\n"
    finally:
        if storing is not None:  # the stream ended early (the client left): the batch being stored finishes
            await asyncio.shield(storing)
