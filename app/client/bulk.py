"""Bulk NDJSON intake without I/O: lines out, results in, and the split of a long stream into requests.

The server answers a bulk request while it is still reading it (results are sent as each batch commits), but an
HTTP/1.1 client reads the answer only after sending the whole body. Results of a very long request would fill the
socket buffers and both sides would wait on each other, so the client sends at most ``chunk_lines`` lines per
request (default 1,000: about 150 kB of results) and numbers results over the whole input.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from app.client import errors
from app.client.calls import Id, path
from app.core.errors import Problem

NDJSON = "application/x-ndjson"
DEFAULT_CHUNK_LINES = 1000


class BulkLineResult(BaseModel):
    """The outcome of one input line."""

    line: int = Field(description="1-based position of the item in everything given to the call.")
    status: int = Field(description="201 stored, 200 replayed (same idempotency key and body), else the refusal's.")
    id: uuid.UUID | None = Field(default=None, description="The report's id when stored or replayed.")
    number: int | None = None
    case_id: uuid.UUID | None = None
    problem: Problem | None = Field(default=None, description="Why the line was refused.")

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)

    @property
    def replayed(self) -> bool:
        return self.status == 200

    def error(self) -> errors.ProblemError | None:
        """The refusal as the exception a single intake would have raised."""
        return errors.from_problem(self.problem) if self.problem is not None else None


def envelope(report: BaseModel | Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
    """A line that is safe to replay: a second sending with the same key and report is answered 200, not stored."""
    return {"idempotency_key": idempotency_key, "report": _plain(report)}


def _plain(item: BaseModel | Mapping[str, Any]) -> Any:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return item


def encode(item: BaseModel | Mapping[str, Any]) -> bytes:
    """One NDJSON line (a report document, or an :func:`envelope`)."""
    return json.dumps(_plain(item), ensure_ascii=False, separators=(",", ":"), default=str).encode() + b"\n"


def url(exercise_id: Id) -> str:
    return path("exercises", exercise_id, "reports", "bulk")


HEADERS = {"Content-Type": NDJSON, "Accept": NDJSON}


def result(raw: str | bytes, offset: int) -> BulkLineResult:
    """A result line, its ``line`` shifted by the lines sent in earlier requests."""
    data = json.loads(raw)
    data["line"] = int(data["line"]) + offset
    return BulkLineResult.model_validate(data)


class Chunks:
    """Splits an iterable into runs of at most ``size`` encoded lines, reading it lazily (one item ahead)."""

    def __init__(self, items: Iterable[BaseModel | Mapping[str, Any]], size: int = DEFAULT_CHUNK_LINES) -> None:
        if size < 1:
            raise ValueError("chunk size must be at least 1")
        self._items = iter(items)
        self._size = size
        self._ahead: list[BaseModel | Mapping[str, Any]] = []
        self.sent = 0  # lines handed out so far: the offset of the next run's line numbers

    def next_run(self) -> Iterator[bytes] | None:
        """The next run's lines, or ``None`` when the items are exhausted."""
        if not self._ahead:
            try:
                self._ahead.append(next(self._items))
            except StopIteration:
                return None
        return self._run()

    def _run(self) -> Iterator[bytes]:
        count = 0
        while count < self._size:
            if self._ahead:
                item = self._ahead.pop()
            else:
                try:
                    item = next(self._items)
                except StopIteration:
                    return
            count += 1
            self.sent += 1
            yield encode(item)
