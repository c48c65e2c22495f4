"""Canonical serialisation and hashing of events (documented in docs/events.md).

``hash = sha256(canonical(event))`` where ``canonical`` is the UTF-8 JSON of the object below with keys sorted, no
whitespace (separators ``,`` and ``:``), non-ASCII characters kept as they are:

    {"actor", "at", "data", "exercise_id", "prev_hash", "seq", "subject_id", "subject_type", "type"}

``at`` is RFC 3339 UTC with microseconds (``2026-01-31T08:00:00.000000Z``), ``exercise_id`` the UUID's hyphenated
lower-case form, ``prev_hash`` the previous event's hash (64 zeros for seq 1).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable in event data")


def to_json_data(data: dict[str, Any]) -> dict[str, Any]:
    """Event data as plain JSON values (what the database stores and the hash covers)."""
    result: dict[str, Any] = json.loads(json.dumps(data, default=_default, ensure_ascii=False, allow_nan=False))
    return result


def canonical(
    *,
    exercise_id: uuid.UUID,
    seq: int,
    at: datetime,
    actor: str,
    type: str,
    subject_type: str,
    subject_id: str | None,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    doc = {
        "actor": actor,
        "at": rfc3339(at),
        "data": data,
        "exercise_id": str(exercise_id),
        "prev_hash": prev_hash,
        "seq": seq,
        "subject_id": subject_id,
        "subject_type": subject_type,
        "type": type,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def event_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical(**fields)).hexdigest()
