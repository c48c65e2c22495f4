"""JSON text for hot paths that encode many small documents: ``json.dumps`` with fixed options, and the compact text
of plain values made by orjson (https://github.com/ijl/orjson), several times faster where the exact text does not
matter (a stored column's JSON, which is read back as values)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def dumps_with(
    *, default: Callable[[Any], Any] | None = None, sort_keys: bool = False, allow_nan: bool = True
) -> Callable[[Any], str]:
    """A function giving ``json.dumps(value, default=default, sort_keys=sort_keys, allow_nan=allow_nan,
    separators=(",", ":"), ensure_ascii=False)``: the same text and the same errors (circular references
    included), without building a ``JSONEncoder`` per call as ``dumps`` does with options. Where the interpreter
    has the C encoder, it is called directly (``JSONEncoder.encode`` would wrap it in Python per call)."""
    encoder = json.JSONEncoder(
        default=default, sort_keys=sort_keys, allow_nan=allow_nan, separators=(",", ":"), ensure_ascii=False
    )
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    options = (
        encoder.default,
        json.encoder.encode_basestring,  # what JSONEncoder uses with ensure_ascii=False
        None,  # indent
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def dumps(value: Any) -> str:
        return "".join(make({}, *options)(value, 0))  # new markers each call, as dumps has

    return dumps


_stdlib_compact = dumps_with()
# what json.dumps refuses, orjson is made to refuse too (it would write datetimes, dataclasses and subclasses itself)
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def compact(value: Any) -> str:
    """Compact JSON text of ``value``, non-ASCII characters kept, for text that is read back as values (not hashed).

    orjson writes it; what orjson refuses (keys that are not strings, integers beyond 64 bits, strings with lone
    surrogates, datetimes, dataclasses, subclasses of the JSON types) goes to ``json.dumps``, which writes or
    refuses it as before (orjson alone writes UUIDs and enumeration members, as their text and value). The text may
    differ from ``json.dumps``'s in the spelling of a float (``1e-7`` for ``1e-07``), never in the values it
    holds; NaN and infinities, which JSON lacks (validation keeps them out of reports), become ``null``."""
    try:
        return orjson.dumps(value, option=_STRICT).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _stdlib_compact(value)
