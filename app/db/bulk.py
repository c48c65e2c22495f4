"""Many-row inserts of plain rows (dicts), bypassing the ORM unit of work, for the hot write paths (bulk intake,
the event chain, seeding).

PostgreSQL gets ``COPY … FROM STDIN`` for many rows (no SQL to parse per row); a few rows, and other databases,
get a plain ``executemany``. Both go through the session's connection, so the rows belong to the caller's
transaction. Values are given as the ORM would hold them; the column types' bind processing is applied on both
paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session

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
    from psycopg.types.json import Json, Jsonb

    columns = [c for c in table.columns if c.key in rows[0]]
    converters: list[Callable[[Any], Any]] = []
    for column in columns:
        impl = column.type.dialect_impl(dialect)
        if isinstance(impl, JSON):
            wrap: Callable[[Any], Any] = Jsonb if impl.compile(dialect=dialect).upper() == "JSONB" else Json
            converters.append(partial(_json, wrap))
        else:
            converters.append(partial(_plain, column.type.bind_processor(dialect)))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    )
    cursor = driver.cursor()
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([convert(row.get(c.key)) for c, convert in zip(columns, converters, strict=True)])


def _json(wrap: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else wrap(value)


def _plain(bind: Callable[[Any], Any] | None, value: Any) -> Any:
    value = value.value if isinstance(value, Enum) else value
    return bind(value) if bind is not None else value
