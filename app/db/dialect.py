"""SQL that differs between SQLite and PostgreSQL, behind one interface: ASCII case folding and JSON arrays.

Each construct renders for both dialects and refuses any other, so a query never silently means something else.

- ``ascii_lower(x)``: ``x`` with A-Z lowered and every other character kept (SQLite's ``lower()``; PostgreSQL
  folds this way under the ``"C"`` collation, whatever the database's locale). Python: :func:`fold_ascii`.
- ``json_array_has(array, value)`` / ``json_array_has_folded(array, value)``: the JSON array holds a string equal to
  ``value`` (the folded form compares ``ascii_lower`` of each element with a value folded by the caller). A NULL
  or a JSON value that is not an array holds nothing. Never NULL.
- ``json_array_has_strings(array)``: the value is a JSON array holding at least one string. Never NULL.
- ``JsonArrayMinNumber(document, array_key, item_path)``: the smallest JSON number found at ``item_path`` in the
  objects of the array ``document[array_key]``; NULL when there is none.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, Numeric, String
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def fold_ascii(text: str) -> str:
    """Python's twin of ``ascii_lower``: only A-Z are lowered."""
    return text.translate(_ASCII_UPPER)


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"{type(element).__name__} supports SQLite and PostgreSQL only, not {compiler.dialect.name}")


class ascii_lower(FunctionElement[str]):
    type = String()
    inherit_cache = True


class json_array_has(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True


class json_array_has_folded(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True


class json_array_has_strings(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True


for _construct in (ascii_lower, json_array_has, json_array_has_folded, json_array_has_strings):
    compiles(_construct)(_unsupported)


@compiles(ascii_lower, "sqlite")
def _lower_sqlite(element: ascii_lower, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"lower({value})"


@compiles(ascii_lower, "postgresql")
def _lower_pg(element: ascii_lower, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f'lower(({value}) COLLATE "C")'


def _sqlite_array(array: str) -> str:
    return f"CASE WHEN json_type({array}) = 'array' THEN {array} ELSE '[]' END"


def _pg_array(array: str) -> str:
    as_jsonb = f"CAST({array} AS JSONB)"
    return f"CASE WHEN jsonb_typeof({as_jsonb}) = 'array' THEN {as_jsonb} ELSE CAST('[]' AS JSONB) END"


def _strings(element: FunctionElement[bool], compiler: SQLCompiler, *, match: str | None, **kw: Any) -> str:
    """EXISTS over the string elements of a JSON array; ``match`` ("exact" or "folded") compares them with the
    construct's second argument."""
    array, *value = _args(element, compiler, **kw)
    if compiler.dialect.name == "sqlite":
        source = f"json_each({_sqlite_array(array)}) AS je WHERE je.type = 'text'"
        item = "je.value"
    else:
        source = f"jsonb_array_elements({_pg_array(array)}) AS je(item) WHERE jsonb_typeof(je.item) = 'string'"
        item = "(je.item #>> '{}')"
    condition = ""
    if match is not None:
        if match == "folded":
            item = f"lower({item})" if compiler.dialect.name == "sqlite" else f'lower({item} COLLATE "C")'
        condition = f" AND {item} = {value[0]}"
    return "EXISTS (SELECT 1 FROM " + source + condition + ")"  # noqa: S608 - SQL fragments only


@compiles(json_array_has, "sqlite")
@compiles(json_array_has, "postgresql")
def _has_exact(element: json_array_has, compiler: SQLCompiler, **kw: Any) -> str:
    return _strings(element, compiler, match="exact", **kw)


@compiles(json_array_has_folded, "sqlite")
@compiles(json_array_has_folded, "postgresql")
def _has_folded(element: json_array_has_folded, compiler: SQLCompiler, **kw: Any) -> str:
    return _strings(element, compiler, match="folded", **kw)


@compiles(json_array_has_strings, "sqlite")
@compiles(json_array_has_strings, "postgresql")
def _has_strings(element: json_array_has_strings, compiler: SQLCompiler, **kw: Any) -> str:
    return _strings(element, compiler, match=None, **kw)


class JsonArrayMinNumber(FunctionElement[Any]):
    """``min(document[array_key][*].item_path...)`` over the JSON numbers found there (see the module docstring).

    The keys are part of the SQL text, so they are restricted to identifiers, and statements holding this construct
    are not cached (the keys are not part of SQLAlchemy's cache key)."""

    type = Numeric()
    inherit_cache = False

    def __init__(
        self, document: ColumnElement[Any] | InstrumentedAttribute[Any], array_key: str, item_path: tuple[str, ...]
    ) -> None:
        if not item_path or not all(_KEY.match(k) for k in (array_key, *item_path)):
            raise ValueError("JSON keys must be identifiers")
        super().__init__(document)
        self.array_key = array_key
        self.item_path = item_path


@compiles(JsonArrayMinNumber)
def _min_unsupported(element: JsonArrayMinNumber, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"JsonArrayMinNumber supports SQLite and PostgreSQL only, not {compiler.dialect.name}")


@compiles(JsonArrayMinNumber, "sqlite")
def _min_sqlite(element: JsonArrayMinNumber, compiler: SQLCompiler, **kw: Any) -> str:
    (document,) = _args(element, compiler, **kw)
    path = "$." + ".".join(element.item_path)
    array = f"'$.{element.array_key}'"
    number = f"CASE WHEN json_type(je.value, '{path}') IN ('integer', 'real') THEN json_extract(je.value, '{path}') END"
    return (
        f"(SELECT min({number}) FROM json_each({document}, {array}) AS je "  # noqa: S608 - SQL fragments only
        f"WHERE json_type({document}, {array}) = 'array' AND je.type = 'object')"
    )


@compiles(JsonArrayMinNumber, "postgresql")
def _min_pg(element: JsonArrayMinNumber, compiler: SQLCompiler, **kw: Any) -> str:
    (document,) = _args(element, compiler, **kw)
    path = "'{" + ",".join(element.item_path) + "}'"
    array = f"(CAST({document} AS JSONB) -> '{element.array_key}')"
    return (
        f"(SELECT min(CASE WHEN jsonb_typeof(je.item #> {path}) = 'number' "  # noqa: S608 - SQL fragments only
        f"THEN CAST(je.item #>> {path} AS NUMERIC) END) "
        f"FROM jsonb_array_elements({_pg_array(array)}) AS je(item))"
    )
