"""Canonical serialisation and hashing of events (documented in docs/events.md).

``hash = sha256(canonical(event))`` where ``canonical`` is the UTF-8 JSON of the object below with keys sorted, no
whitespace (separators ``,`` and ``:``), non-ASCII characters kept as they are:

    {"actor", "at", "data", "exercise_id", "prev_hash", "seq", "subject_id", "subject_type", "type"}

``at`` is RFC 3339 UTC with microseconds (``2026-01-31T08:00:00.000000Z``), ``exercise_id`` the UUID's hyphenated
lower-case form, ``prev_hash`` the previous event's hash (64 zeros for seq 1).

The object is written member by member in that (sorted) order, each member's value by the same JSON encoder, which
is the text ``json.dumps(object, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``
gives; :func:`json_data` also hands back the sorted text of the data it converts, for the hash of an event being
appended.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from app.core.jsontext import dumps_with


def rfc3339(value: datetime) -> str:
    """``value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")``, the same text (isoformat is the cheaper call;
    strftime's year below 1000 is not padded to four digits everywhere, so it stays for those)."""
    utc = value.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _default(value: Any) -> Any:
    if type(value) is uuid.UUID:  # the commonest, and neither a datetime nor a date
        return str(value)
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


_converted = dumps_with(default=_default, allow_nan=False)  # event data as given: values JSON lacks converted
_sorted = dumps_with(sort_keys=True, allow_nan=False)  # plain JSON values, as the canonical form writes them


def to_json_data(data: dict[str, Any]) -> dict[str, Any]:
    """Event data as plain JSON values (what the database stores and the hash covers): the values
    ``json.loads(json.dumps(data, default=..., allow_nan=False))`` gives, and its errors, without making the text
    for the common values (strings, numbers, lists, dictionaries with string keys, and what ``_default``
    converts); anything else takes that round trip itself."""
    if type(data) is dict and not data:
        return {}
    try:
        result: dict[str, Any] = _plain(data)
    except RecursionError:  # a circular reference: json.dumps names it
        result = _round_trip(data)
    return result


def _round_trip(value: Any) -> Any:
    return json.loads(_converted(value))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        if all(type(k) is str for k in value):
            return {k: _plain(v) for k, v in value.items()}
        return _round_trip(value)  # keys json.dumps converts (numbers, booleans, None) or refuses
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    if kind is float:
        return value if math.isfinite(value) else _round_trip(value)  # json.dumps refuses NaN and infinities
    if isinstance(value, str | int | float | list | tuple | dict):  # a subclass: written as json.dumps writes it
        return _round_trip(value)
    return _plain(_default(value))  # what json.dumps hands to `default`: converted, or refused with TypeError


def json_data(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """:func:`to_json_data` (keys in the order given) and the canonical (sorted) JSON text of those values."""
    plain = to_json_data(data)
    return plain, "{}" if type(plain) is dict and not plain else _sorted(plain)


_string = json.encoder.encode_basestring


def _member(value: Any) -> str:
    if type(value) is str:
        return _string(value)
    return str(value) if type(value) is int else _sorted(value)


def canonical_text(
    *,
    exercise_id: str,
    seq: int,
    at: str,
    actor: str,
    type: str,
    subject_type: str,
    subject_id: str | None,
    data: str,
    prev_hash: str,
) -> str:
    """The canonical form from its members' texts as written: ``exercise_id`` and ``at`` as the strings of the
    documented forms, ``data`` as the canonical JSON text of the data (see :func:`json_data`)."""
    return (
        f'{{"actor":{_member(actor)},"at":{_string(at)},"data":{data},"exercise_id":{_string(exercise_id)},'
        f'"prev_hash":{_member(prev_hash)},"seq":{_member(seq)},"subject_id":{_member(subject_id)},'
        f'"subject_type":{_member(subject_type)},"type":{_member(type)}}}'
    )


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
    return canonical_text(
        exercise_id=str(exercise_id),
        seq=seq,
        at=rfc3339(at),
        actor=actor,
        type=type,
        subject_type=subject_type,
        subject_id=subject_id,
        data=_sorted(data),
        prev_hash=prev_hash,
    ).encode()


def event_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical(**fields)).hexdigest()


def text_hash(canonical_text: str) -> str:
    return hashlib.sha256(canonical_text.encode()).hexdigest()
