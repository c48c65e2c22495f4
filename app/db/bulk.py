"""Many-row inserts of plain rows (dicts), bypassing the ORM unit of work, for the hot write paths (bulk intake,
the event chain, seeding).

PostgreSQL gets ``COPY … FROM STDIN`` for many rows (no SQL to parse per row), written in COPY's text format
here (one formatting function per column type, no adaptation per value); a few rows, and other databases, get a
plain ``executemany``. Both go through the session's connection, so the rows belong to the caller's
transaction. Values are given as the ORM would hold them; the column types' bind processing is applied on both
paths.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, Integer, String, Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.db.base import UTCDateTime

COPY_FROM = 32  # rows from which COPY's extra round trips pay off


def insert_rows(session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = model.__table__
    assert isinstance(table, Table)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(connection.connection.driver_connection, table, connection.dialect, rows)
    else:
        connection.execute(table.insert(), list(rows))


def _copy(driver: Any, table: Table, dialect: Dialect, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg import sql

    columns = [c for c in table.columns if c.key in rows[0]]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    )
    formats = [_memo(f) if f is _datetime else f for f in (_text_format(c.type, dialect) for c in columns)]
    cursor = driver.cursor()
    with cursor, cursor.copy(statement) as copy:
        if all(f is not None for f in formats):
            fields = [(c.key, f) for c, f in zip(columns, formats, strict=True) if f is not None]
            for start in range(0, len(rows), 1000):
                lines = ["\t".join([f(row.get(k)) for k, f in fields]) for row in rows[start : start + 1000]]
                copy.write("\n".join(lines) + "\n")
        else:
            _copy_rows(copy, columns, dialect, rows)


# COPY's text format: tab-separated fields, one row per line, \N for NULL, backslash escapes in the data.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, Enum):
        value = value.value
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:  # rare: four scans beat one translate
        return text.translate(_ESCAPES)
    return text


def _uuid(value: Any) -> str:
    if value is None:
        return NULL
    return value.hex if isinstance(value, uuid.UUID) else str(value)  # PostgreSQL reads the bare hex form too


def _int(value: Any) -> str:
    return NULL if value is None else str(int(value))


def _float(value: Any) -> str:
    return NULL if value is None else repr(float(value))


def _bool(value: Any) -> str:
    return NULL if value is None else ("t" if value else "f")


def _datetime(value: Any) -> str:
    if value is None:
        return NULL
    if value.tzinfo is None:
        raise ValueError("naive datetime given; tipdesk stores aware UTC datetimes only")
    return str(value.astimezone(UTC).isoformat())


def _json_text(value: Any) -> str:
    if value is None:
        return NULL
    if not value and isinstance(value, list | dict):  # the many empty lists and objects
        return "[]" if isinstance(value, list) else "{}"
    return _text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _memo(write: Callable[[Any], str]) -> Callable[[Any], str]:
    """`write` remembering its answers for one COPY (the rows of a batch share their times)."""
    seen: dict[Any, str] = {}

    def cached(value: Any) -> str:
        text = seen.get(value)
        if text is None:
            text = seen[value] = write(value)
        return text

    return cached


def _text_format(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], str] | None:
    """How a value of the column type is written in COPY's text format; None for a type not handled here."""
    if isinstance(type_, UTCDateTime):
        return _datetime
    if isinstance(type_, TypeDecorator):
        return None
    impl = type_.dialect_impl(dialect)
    for kind, write in (
        (JSON, _json_text),
        (Uuid, _uuid),
        (Boolean, _bool),
        (Integer, _int),
        (Float, _float),
        (String, _text),
    ):
        if isinstance(impl, kind):
            return write
    return None


def _copy_rows(copy: Any, columns: list[Column[Any]], dialect: Dialect, rows: Sequence[dict[str, Any]]) -> None:
    """Rows adapted by psycopg, for tables with a column type the text writer does not know."""
    from psycopg.types.json import Json, Jsonb

    converters: list[Callable[[Any], Any]] = []
    for column in columns:
        impl = column.type.dialect_impl(dialect)
        if isinstance(impl, JSON):
            wrap: Callable[[Any], Any] = Jsonb if impl.compile(dialect=dialect).upper() == "JSONB" else Json
            converters.append(partial(_json, wrap))
        else:
            converters.append(partial(_plain, column.type.bind_processor(dialect)))
    for row in rows:
        copy.write_row([convert(row.get(c.key)) for c, convert in zip(columns, converters, strict=True)])


def _json(wrap: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else wrap(value)


def _plain(bind: Callable[[Any], Any] | None, value: Any) -> Any:
    value = value.value if isinstance(value, Enum) else value
    return bind(value) if bind is not None else value


class Writes:
    """Inserts (and single-row updates by key) queued for one transaction and sent together by :meth:`send`, in
    the order given. On PostgreSQL, when every queued table has fewer than :data:`COPY_FROM` rows, they go to the
    server as one multi-statement text with the values bound client-side by psycopg (one round trip instead of one
    per statement); otherwise each is written as :func:`insert_rows` and ``execute`` would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._steps: list[tuple[type[DeclarativeBase], list[dict[str, Any]], dict[str, Any] | None]] = []

    def insert(self, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._steps.append((model, list(rows), None))

    def update(self, model: type[DeclarativeBase], *, key: dict[str, Any], values: dict[str, Any]) -> None:
        """``UPDATE table SET values WHERE key`` (columns by attribute key, equality on each)."""
        self._steps.append((model, [values], key))

    def send(self) -> None:
        steps, self._steps = self._steps, []
        if not steps:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.name != "postgresql" or any(len(rows) >= COPY_FROM for _t, rows, _k in steps):
            for model, rows, key in steps:
                if key is None:
                    insert_rows(self.session, model, rows)
                else:
                    table = _table(model)
                    where = [table.c[k] == v for k, v in key.items()]
                    connection.execute(table.update().where(*where).values(**rows[0]))
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        statements = [_rendered(_table(model), rows, key, dialect) for model, rows, key in steps]
        from psycopg import sql

        query = sql.SQL(";\n").join(statements).as_string(driver)
        with driver.cursor() as cursor:
            cursor.execute(query.encode())  # no parameters: the simple protocol, several statements at once


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _literal(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """A column value as a psycopg literal: JSON wrapped for psycopg, other values through the type's binding."""
    from psycopg import sql
    from psycopg.types.json import Json, Jsonb

    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, JSON):
        wrap: Callable[[Any], Any] = Jsonb if impl.compile(dialect=dialect).upper() == "JSONB" else Json
        return lambda value: sql.Literal(_json(wrap, value))
    bind = column.type.bind_processor(dialect)
    return lambda value: sql.Literal(_plain(bind, value))


def _default(column: Column[Any]) -> Callable[[], Any]:
    """The column's Python-side default, as an insert without the column would apply it."""
    default: Any = column.default
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


def _rendered(table: Table, rows: list[dict[str, Any]], key: dict[str, Any] | None, dialect: Dialect) -> Any:
    from psycopg import sql

    if key is not None:
        sets = [
            sql.SQL("{} = {}").format(sql.Identifier(table.c[k].name), _literal(table.c[k], dialect)(v))
            for k, v in rows[0].items()
        ]
        where = [
            sql.SQL("{} = {}").format(sql.Identifier(table.c[k].name), _literal(table.c[k], dialect)(v))
            for k, v in key.items()
        ]
        return sql.SQL("UPDATE {} SET {} WHERE {}").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sets), sql.SQL(" AND ").join(where)
        )
    given = rows[0].keys()
    columns = [c for c in table.columns if c.key in given or c.default is not None]
    literals = [(c.key, _literal(c, dialect), _default(c) if c.key not in given else None) for c in columns]
    values = [
        sql.SQL("({})").format(
            sql.SQL(", ").join(f(row[k] if k in row else d() if d is not None else None) for k, f, d in literals)
        )
        for row in rows
    ]
    return sql.SQL("INSERT INTO {} ({}) VALUES {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        sql.SQL(", ").join(values),
    )
