"""The chain's hashes pinned byte for byte: stored chains must keep verifying, whatever way the hashes are computed.
The reference below is the documented canonical form written plainly (docs/events.md)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events import chain
from app.events import service as events_service
from app.events.models import GENESIS_HASH


class Colour(StrEnum):
    red = "red"


class Level(Enum):
    high = 3


EID = uuid.UUID("00000000-0000-4000-8000-000000000001")
DRAFTS = [
    events_service.Draft(
        datetime(2026, 3, 2, 8, 0, tzinfo=UTC), "system", "exercise.created", "exercise", EID, {"name": "Ä", "n": 1}
    ),
    events_service.Draft(
        datetime(2026, 3, 2, 15, 30, 0, 250, tzinfo=timezone(timedelta(hours=7))),
        "user:00000000-0000-4000-8000-0000000000aa",
        "case.opened",
        "case",
        None,
        {
            "z": [1.5, 1e16, -0.0, 10**20, None, True],
            "a": {"b": 'tab\t"q" \\ \u2028 ✓', "id": uuid.UUID("00000000-0000-4000-8000-0000000000bb")},
            "colour": Colour.red,
            "level": Level.high,
            "when": datetime(2026, 1, 31, 8, 0, tzinfo=UTC),
            "day": date(2026, 2, 1),
            "amount": Decimal("1.10"),
            "tags": {"b", "a"},
            "pair": (1, "x"),
            2: "two",
            10: "ten",
        },
    ),
    events_service.Draft(datetime(2026, 3, 3, 0, 0, tzinfo=UTC), "system", "report.received", "report", "r-1"),
]
PINNED = [
    "da5277e1f7b8fe6ef6c96b5978216e8ef902f33a6931fd396f25b96b5c2f1edd",
    "8d828d0c1c2dfbc4ee699aed3d9275a8afe3ae9f8db564c6bd8261871c423d62",
    "ecf61b48ae992e48c2f360800d7e5b8b6c7a06dba491a73af20766bc59c60236",
]


def _fields(seq: int, draft: events_service.Draft, prev_hash: str) -> dict[str, Any]:
    return {
        "exercise_id": EID,
        "seq": seq,
        "at": draft.at,
        "actor": draft.actor,
        "type": draft.type,
        "subject_type": draft.subject_type,
        "subject_id": None if draft.subject_id is None else str(draft.subject_id),
        "data": _reference_data(draft.data or {}),
        "prev_hash": prev_hash,
    }


def _reference_rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _reference_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _reference_rfc3339(value)
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
    raise TypeError(type(value).__name__)


def _reference_data(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        json.dumps(data, default=_reference_default, ensure_ascii=False, allow_nan=False)
    )
    return result


def _reference_canonical(fields: dict[str, Any]) -> bytes:
    doc = {**fields, "at": _reference_rfc3339(fields["at"]), "exercise_id": str(fields["exercise_id"])}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def test_event_hashes_are_pinned() -> None:
    prev = GENESIS_HASH
    for seq, (draft, pinned) in enumerate(zip(DRAFTS, PINNED, strict=True), 1):
        fields = _fields(seq, draft, prev)
        assert chain.canonical(**fields) == _reference_canonical(fields)
        assert hashlib.sha256(_reference_canonical(fields)).hexdigest() == pinned
        prev = chain.event_hash(**fields)
        assert prev == pinned


class _Head:
    """The head's reservation statement, with the head standing at seq 0 with the genesis hash."""

    def one(self, _session: Any, params: dict[str, Any]) -> tuple[int, str]:
        return (params["count"], GENESIS_HASH)


def test_appended_rows_carry_the_pinned_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events_service, "_RESERVE", _Head())
    rows = events_service._chain(None, EID, DRAFTS, record_head=False)  # type: ignore[arg-type]
    assert [r["hash"] for r in rows] == PINNED
    assert [r["prev_hash"] for r in rows] == [GENESIS_HASH, *PINNED[:-1]]
    assert [r["data"] for r in rows] == [_reference_data(d.data or {}) for d in DRAFTS]
    assert rows[1]["data"]["pair"] == [1, "x"] and rows[1]["data"]["2"] == "two"


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=5, minutes=30))])
TIMES = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=ZONES)
JSON_KEYS = st.one_of(st.text(max_size=6), st.integers(-20, 20))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.uuids()
    | st.sampled_from([Colour.red, Level.high])
    | TIMES
    | st.dates()
    | st.decimals(allow_nan=False)
    | st.frozensets(st.integers(0, 9), max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_KEYS, inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    data=st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6),
    at=TIMES,
    actor=st.text(max_size=10),
    subject_id=st.none() | st.text(max_size=10),
    seq=st.integers(1, 2**40),
)
def test_canonical_form_is_the_documented_json(
    data: dict[Any, Any], at: datetime, actor: str, subject_id: str | None, seq: int
) -> None:
    stored, text = chain.json_data(data)  # keys of any mix of types become strings, sorted only then
    assert stored == chain.to_json_data(data) == _reference_data(data)
    assert text == json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert chain.rfc3339(at) == _reference_rfc3339(at)
    fields = {
        "exercise_id": EID,
        "seq": seq,
        "at": at,
        "actor": actor,
        "type": "t",
        "subject_type": "s",
        "subject_id": subject_id,
        "data": stored,
        "prev_hash": GENESIS_HASH,
    }
    assert chain.canonical(**fields) == _reference_canonical(fields)
    assert chain.event_hash(**fields) == hashlib.sha256(_reference_canonical(fields)).hexdigest()


def _circular() -> dict[str, Any]:
    data: dict[str, Any] = {"a": []}
    data["a"].append(data)
    return data


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"x": float("nan")}, ValueError),
        ({"x": [1, float("inf")]}, ValueError),
        ({"x": object()}, TypeError),
        ({"x": {(1, 2): "tuple key"}}, TypeError),
        (_circular(), ValueError),
    ],
)
def test_event_data_json_cannot_hold_is_refused_as_json_dumps_refuses_it(data: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        _reference_data(data)
    with pytest.raises(error):
        chain.to_json_data(data)
