"""Field catalogues: the whitelist of fields an expression may name, with their types, SQL and Python accessors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

S = TypeVar("S")
SqlExpression = ColumnElement[Any] | InstrumentedAttribute[Any]


class FieldType(StrEnum):
    text = "text"  # free text; compared with A-Z and a-z alike
    enum = "enum"  # one of a fixed vocabulary; compared exactly
    integer = "integer"
    boolean = "boolean"
    datetime = "datetime"  # RFC 3339 with an offset in expressions; compared as instants
    uuid = "uuid"
    text_list = "text_list"  # a JSON array of free-text strings
    enum_list = "enum_list"  # a JSON array of vocabulary strings

    @property
    def is_list(self) -> bool:
        return self in (FieldType.text_list, FieldType.enum_list)


class Op(StrEnum):
    eq = "eq"
    ne = "ne"
    in_ = "in"
    not_in = "not_in"
    lt = "lt"
    lte = "lte"
    gt = "gt"
    gte = "gte"
    contains = "contains"
    exists = "exists"


_EQUALITY = (Op.eq, Op.ne, Op.in_, Op.not_in)
_ORDER = (Op.lt, Op.lte, Op.gt, Op.gte)

OPERATORS: dict[FieldType, tuple[Op, ...]] = {
    FieldType.text: (*_EQUALITY, Op.contains, Op.exists),
    FieldType.enum: (*_EQUALITY, Op.exists),
    FieldType.integer: (*_EQUALITY, *_ORDER, Op.exists),
    FieldType.boolean: (Op.eq, Op.ne, Op.exists),
    FieldType.datetime: (Op.eq, Op.ne, *_ORDER, Op.exists),
    FieldType.uuid: (*_EQUALITY, Op.exists),
    FieldType.text_list: (Op.contains, Op.exists),
    FieldType.enum_list: (Op.contains, Op.exists),
}
"""The operators each type allows. Text has no ordering: collations differ between databases."""


@dataclass(frozen=True, slots=True)
class Field(Generic[S]):
    """One filterable field.

    ``sql`` builds the column expression (for lists: a JSON array; NULL when the value is missing); ``get`` reads the
    same value from one subject (``None`` when missing; for lists a list of strings). The two must agree on every
    row: the property tests hold each catalogue to it."""

    name: str
    type: FieldType
    description: str
    sql: Callable[[], SqlExpression]
    get: Callable[[S], Any]
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.type in (FieldType.enum, FieldType.enum_list)) != bool(self.choices):
            raise ValueError(f"field {self.name}: enum fields, and only they, list their choices")

    @property
    def operators(self) -> tuple[Op, ...]:
        return OPERATORS[self.type]


class Catalogue(Generic[S]):
    """The fields of one kind of subject, by name."""

    def __init__(self, subject: str, fields: Iterable[Field[S]]) -> None:
        self.subject = subject
        self.fields: dict[str, Field[S]] = {}
        for f in fields:
            if f.name in self.fields:
                raise ValueError(f"field {f.name} is defined twice")
            self.fields[f.name] = f

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Field[S]:
        return self.fields[name]

    def __iter__(self) -> Iterator[Field[S]]:
        return iter(self.fields.values())

    def markdown(self) -> str:
        """The fields as a Markdown table, for OpenAPI descriptions."""
        rows = ["| field | type | operators | meaning |", "|---|---|---|---|"]
        for f in self:
            meaning = f.description
            if f.choices:
                meaning += " One of: " + ", ".join(f"`{c}`" for c in f.choices) + "."
            ops = ", ".join(f"`{o}`" for o in f.operators)
            rows.append(f"| `{f.name}` | {f.type} | {ops} | {meaning} |")
        return "\n".join(rows)
