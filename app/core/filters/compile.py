"""Expressions as SQL WHERE clauses (SQLite and PostgreSQL), two-valued like the Python evaluation.

Every condition is guarded so that it is never NULL: a comparison on a missing value is false (``value IS NOT NULL
AND ...`` or ``COALESCE(..., false)``), list conditions are EXISTS-style tests. ``NOT``, ``AND`` and ``OR`` of
two-valued terms stay two-valued, so SQL's three-valued logic never shows and ``not`` of a condition on a missing
value is true, as in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, and_, false, func, literal, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from app.core.filters.catalogue import FieldType, Op
from app.core.filters.nodes import AllOf, AnyOf, Condition, Expression, Not
from app.db.dialect import ascii_lower, fold_ascii, json_array_has, json_array_has_folded, json_array_has_strings


def to_sql(expression: Expression) -> ColumnElement[bool]:
    match expression:
        case AllOf(items):
            return and_(*(to_sql(i) for i in items))
        case AnyOf(items):
            return or_(*(to_sql(i) for i in items))
        case Not(item):
            return not_(to_sql(item))
        case Condition():
            return _condition(expression)
    raise TypeError(f"not an expression: {expression!r}")


def _condition(c: Condition) -> ColumnElement[bool]:
    column = c.field.sql().expression
    kind = c.field.type
    if kind.is_list:
        if c.op is Op.exists:
            return json_array_has_strings(column)
        if kind is FieldType.text_list:
            return json_array_has_folded(column, fold_ascii(c.value))
        return json_array_has(column, c.value)
    if c.op is Op.exists:
        return column.is_not(None)
    target = column
    value = c.value
    if kind is FieldType.text:
        target = ascii_lower(column)
        value = tuple(fold_ascii(v) for v in value) if isinstance(value, tuple) else fold_ascii(value)
    elif kind is FieldType.integer:  # bound as BIGINT: a value beyond a 32-bit column's range is no error
        value = (
            tuple(literal(v, BigInteger()) for v in value) if isinstance(value, tuple) else literal(value, BigInteger())
        )
    return _guard(column, _compare(target, c.op, value))


def _guard(column: ColumnElement[Any], predicate: ColumnElement[bool]) -> ColumnElement[bool]:
    """False where the value is missing. A table column is tested with IS NOT NULL (indexes stay usable); any other
    expression (a subquery, a JSON extraction) with COALESCE, so that it is computed once."""
    if isinstance(column, Column):
        return and_(column.is_not(None), predicate)
    return func.coalesce(predicate, false(), type_=Boolean)


def _compare(target: ColumnElement[Any], op: Op, value: Any) -> ColumnElement[bool]:
    result: ColumnElement[bool]
    match op:
        case Op.eq:
            result = target == value
        case Op.ne:
            result = target != value
        case Op.in_:
            result = target.in_(value)
        case Op.not_in:
            result = target.not_in(value)
        case Op.lt:
            result = target < value
        case Op.lte:
            result = target <= value
        case Op.gt:
            result = target > value
        case Op.gte:
            result = target >= value
        case Op.contains:
            result = target.contains(value, autoescape=True)
        case _:
            raise AssertionError(f"no SQL for {op}")
    return result
