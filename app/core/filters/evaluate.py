"""Expressions evaluated in Python against one subject, with the same answer as their SQL (see ``compile``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.filters.catalogue import FieldType, Op
from app.core.filters.nodes import AllOf, AnyOf, Condition, Expression, Not, json_value
from app.db.dialect import fold_ascii


@dataclass(frozen=True, slots=True)
class Check:
    """One condition as evaluated: what it asked, the value it saw, and its result."""

    pointer: str
    field: str
    op: str
    value: Any
    actual: Any
    result: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "field": self.field,
            "op": self.op,
            "value": json_value(self.value),
            "actual": json_value(self.actual),
            "result": self.result,
        }


def evaluate(expression: Expression, subject: Any) -> bool:
    return _eval(expression, subject, None)


def explain(expression: Expression, subject: Any) -> tuple[bool, list[Check]]:
    """The result and every condition evaluated on the way (``all`` and ``any`` stop at their first decisive
    member, as they do when routing)."""
    checks: list[Check] = []
    return _eval(expression, subject, checks), checks


def _eval(expression: Expression, subject: Any, checks: list[Check] | None) -> bool:
    match expression:
        case AllOf(items):
            return all(_eval(i, subject, checks) for i in items)
        case AnyOf(items):
            return any(_eval(i, subject, checks) for i in items)
        case Not(item):
            return not _eval(item, subject, checks)
        case Condition():
            actual = read(expression, subject)
            result = _condition(expression, actual)
            if checks is not None:
                c = expression
                checks.append(Check(c.pointer, c.field.name, str(c.op), c.value, actual, result))
            return result
    raise TypeError(f"not an expression: {expression!r}")


def read(condition: Condition, subject: Any) -> Any:
    """The field's value in the subject; a list is the list of its string elements (not an array: empty)."""
    value = condition.field.get(subject)
    if condition.field.type.is_list:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return value


def _condition(c: Condition, actual: Any) -> bool:
    kind = c.field.type
    if kind.is_list:
        if c.op is Op.exists:
            return bool(actual)
        if kind is FieldType.text_list:
            wanted = fold_ascii(c.value)
            return any(fold_ascii(v) == wanted for v in actual)
        return c.value in actual
    if c.op is Op.exists:
        return actual is not None
    if actual is None:
        return False
    value = c.value
    if kind is FieldType.text:
        actual = fold_ascii(actual)
        value = tuple(fold_ascii(v) for v in value) if isinstance(value, tuple) else fold_ascii(value)
    return _compare(actual, c.op, value)


def _compare(actual: Any, op: Op, value: Any) -> bool:
    match op:
        case Op.eq:
            return bool(actual == value)
        case Op.ne:
            return bool(actual != value)
        case Op.in_:
            return actual in value
        case Op.not_in:
            return actual not in value
        case Op.lt:
            return bool(actual < value)
        case Op.lte:
            return bool(actual <= value)
        case Op.gt:
            return bool(actual > value)
        case Op.gte:
            return bool(actual >= value)
        case Op.contains:
            return value in actual
    raise AssertionError(f"no evaluation for {op}")
