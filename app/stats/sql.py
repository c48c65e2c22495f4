"""SQL pieces that statistics need to answer identically on SQLite and PostgreSQL.

- :class:`epoch_us`: a timestamp as whole microseconds since 1970 (a BIGINT). Time buckets are integer
  arithmetic on these, so both databases order and bucket exactly alike (no floating point: SQLite's ``julianday``
  is only good to some tens of microseconds). SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC, as
  ``app.db.base.UTCDateTime`` writes it): whole seconds from the first 19 characters (``strftime`` rounds a
  fraction to milliseconds, so ``.9996`` would carry into the next second), microseconds from the fraction;
  PostgreSQL's ``EXTRACT(EPOCH ...)`` is an exact numeric.
- :class:`uuid_text`: a UUID column as the text ``str(uuid)`` gives (how the event log names its subjects).
- :func:`tag_elements`: the strings of a JSON array column, one row each (a table-valued function).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, func
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class epoch_us(FunctionElement[int]):
    type = BigInteger()
    inherit_cache = True


class uuid_text(FunctionElement[str]):
    type = String()
    inherit_cache = True


def _arg(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    (clause,) = element.clauses
    return compiler.process(clause, **kw)


@compiles(epoch_us)
@compiles(uuid_text)
def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"{type(element).__name__} supports SQLite and PostgreSQL only, not {compiler.dialect.name}")


@compiles(epoch_us, "sqlite")
def _epoch_sqlite(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    x = _arg(element, compiler, **kw)
    return (
        f"(CAST(strftime('%s', substr({x}, 1, 19)) AS INTEGER) * 1000000"
        f" + CASE WHEN length({x}) > 19 THEN CAST(substr({x} || '000000', 21, 6) AS INTEGER) ELSE 0 END)"
    )


@compiles(epoch_us, "postgresql")
def _epoch_pg(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {_arg(element, compiler, **kw)}) * 1000000 AS BIGINT)"


@compiles(uuid_text, "sqlite")
def _uuid_sqlite(element: uuid_text, compiler: SQLCompiler, **kw: Any) -> str:
    x = _arg(element, compiler, **kw)  # CHAR(32) hex
    parts = " || '-' || ".join(
        f"substr({x}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4))
    )
    return f"lower({parts} || '-' || substr({x}, 21, 12))"


@compiles(uuid_text, "postgresql")
def _uuid_pg(element: uuid_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_arg(element, compiler, **kw)} AS TEXT)"


def tag_elements(column: Any, dialect: str) -> Any:
    """A table-valued function over the elements of a JSON array of strings (column ``value``)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(column).table_valued("value").lateral()
    return func.json_each(column).table_valued("value")
