"""A parsed expression: conditions combined by ``all``, ``any`` and ``not``; and its JSON form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.filters.catalogue import Field, Op


@dataclass(frozen=True, slots=True)
class Condition:
    field: Field[Any]
    op: Op
    value: Any
    """Normalised: str, int, bool, aware datetime or UUID; a tuple of them for ``in``/``not_in``; None for
    ``exists``."""
    pointer: str
    """Where the condition sits in the expression (JSON Pointer from its root)."""


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expression


Expression = Condition | AllOf | AnyOf | Not


def json_value(value: Any) -> Any:
    """A normalised value (or a value read from a subject) as JSON."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def dump(expression: Expression) -> dict[str, Any]:
    """The expression's JSON form; parsing it again gives an equal expression."""
    match expression:
        case AllOf(items):
            return {"all": [dump(i) for i in items]}
        case AnyOf(items):
            return {"any": [dump(i) for i in items]}
        case Not(item):
            return {"not": dump(item)}
        case Condition(field, op, value):
            out: dict[str, Any] = {"field": field.name, "op": str(op)}
            if op is not Op.exists:
                out["value"] = json_value(value)
            return out
    raise TypeError(f"not an expression: {expression!r}")
