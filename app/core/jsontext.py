"""``json.dumps`` with fixed options, for hot paths that encode many small documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


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
