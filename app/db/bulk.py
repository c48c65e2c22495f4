"""Many-row inserts of plain rows (dicts), bypassing the ORM unit of work, for the hot write paths (bulk intake,
the event chain, seeding).

PostgreSQL gets ``COPY … FROM STDIN`` for many rows (no SQL to parse per row), written in COPY's text format
here (column by column, one writer per column type, no adaptation per value); a few rows, and other databases, get a
plain ``executemany``. Both go through the session's connection, so the rows belong to the caller's
transaction. Values are given as the ORM would hold them; the column types' bind processing is applied on both
paths. :class:`Writes` queues the inserts (and keyed updates) of one transaction and sends them together: on
PostgreSQL, a few rows per table go in one psycopg pipeline (one round trip for all of them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC
from enum import Enum
from functools import lru_cache, partial
from typing import Any, Literal, NamedTuple

from sqlalchemy import JSON, Boolean, Column, Float, Integer, String, Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.core.jsontext import compact
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
    writers = [_column_writer(c.type, dialect) for c in columns]
    cursor = driver.cursor()
    with cursor, cursor.copy(statement) as copy:
        if all(w is not None for w in writers):
            fields = [(c.key, w) for c, w in zip(columns, writers, strict=True) if w is not None]
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                texts = [write([row.get(key) for row in chunk]) for key, write in fields]  # column by column
                copy.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
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
    text = compact(value)
    # JSON text holds no raw tab, newline or carriage return (strings escape them), so only backslashes need escaping
    return text.replace("\\", "\\\\") if "\\" in text else text


# A column's values written all at once: the common value of each type is formatted inline, the rest (None, enums,
# other types, text needing escapes) by the one-value writers above.
ColumnWriter = Callable[[list[Any]], list[str]]


def _text_column(values: list[Any]) -> list[str]:
    return [
        v if type(v) is str and "\\" not in v and "\t" not in v and "\n" not in v and "\r" not in v else _text(v)
        for v in values
    ]


def _uuid_column(values: list[Any]) -> list[str]:
    return [v.int.to_bytes(16, "big").hex() if type(v) is uuid.UUID else _uuid(v) for v in values]  # = v.hex


def _int_column(values: list[Any]) -> list[str]:
    return [str(v) if type(v) is int else _int(v) for v in values]


def _float_column(values: list[Any]) -> list[str]:
    return [repr(v) if type(v) is float else _float(v) for v in values]


def _bool_column(values: list[Any]) -> list[str]:
    return ["t" if v is True else "f" if v is False else _bool(v) for v in values]


def _datetime_column(values: list[Any]) -> list[str]:
    """Each distinct time formatted once (the rows of a batch share their times)."""
    texts = {v: _datetime(v) for v in set(values)}
    return [texts[v] for v in values]


def _json_column(values: list[Any]) -> list[str]:
    return [_json_text(v) for v in values]


def _column_writer(type_: TypeEngine[Any], dialect: Dialect) -> ColumnWriter | None:
    """How the values of a column of the type are written in COPY's text format; None for a type not handled
    here."""
    if isinstance(type_, UTCDateTime):
        return _datetime_column
    if isinstance(type_, TypeDecorator):
        return None
    impl = type_.dialect_impl(dialect)
    for kind, write in (
        (JSON, _json_column),
        (Uuid, _uuid_column),
        (Boolean, _bool_column),
        (Integer, _int_column),
        (Float, _float_column),
        (String, _text_column),
    ):
        if isinstance(impl, kind):
            return write
    return None


def _copy_rows(copy: Any, columns: list[Column[Any]], dialect: Dialect, rows: Sequence[dict[str, Any]]) -> None:
    """Rows adapted by psycopg, for tables with a column type the text writer does not know."""
    converters = [_converter(column, dialect) for column in columns]
    for row in rows:
        copy.write_row([convert(row.get(c.key)) for c, convert in zip(columns, converters, strict=True)])


def _json(wrap: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else wrap(value)


def _plain(bind: Callable[[Any], Any] | None, value: Any) -> Any:
    value = value.value if isinstance(value, Enum) else value
    return bind(value) if bind is not None else value


class Step(NamedTuple):
    model: type[DeclarativeBase]
    rows: list[dict[str, Any]]
    kind: Literal["insert", "insert_new", "update"]
    key: dict[str, Any] | None = None  # an update's


class Writes:
    """Inserts (and single-row updates by key) queued for one transaction and sent together by :meth:`send`, in
    the order given. On PostgreSQL, when every queued table has fewer than :data:`COPY_FROM` rows, they are sent in
    one psycopg pipeline (one round trip instead of one per statement; server-side parameters, statements prepared
    by psycopg once used often); otherwise each is written as :func:`insert_rows` and ``execute`` would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._steps: list[Step] = []

    def insert(self, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._steps.append(Step(model, list(rows), "insert"))

    def insert_new(self, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]) -> None:
        """Insert the rows whose primary key is not stored yet (``ON CONFLICT DO NOTHING``: content-addressed rows
        that other transactions may have stored). Always as a statement, never by COPY (COPY cannot skip)."""
        if rows:
            self._steps.append(Step(model, list(rows), "insert_new"))

    def update(self, model: type[DeclarativeBase], *, key: dict[str, Any], values: dict[str, Any]) -> None:
        """``UPDATE table SET values WHERE key`` (columns by attribute key, equality on each)."""
        self._steps.append(Step(model, [values], "update", key))

    def send(self) -> None:
        steps, self._steps = self._steps, []
        if not steps:
            return
        if self.session.connection().dialect.name != "postgresql":
            self._each(steps)
            return
        import psycopg

        try:
            if any(len(step.rows) >= COPY_FROM and step.kind == "insert" for step in steps):
                self._each(steps)
            else:
                self._pipelined(steps)
        except psycopg.Error as exc:  # from psycopg directly (COPY, the pipeline): as SQLAlchemy would report it
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    def _each(self, steps: Sequence[Step]) -> None:
        connection = self.session.connection()
        for model, rows, kind, key in steps:
            if kind == "insert":
                insert_rows(self.session, model, rows)
            elif kind == "insert_new":
                connection.execute(_insert_new(connection.dialect, _table(model)), rows)
            else:
                assert key is not None
                table = _table(model)
                where = [table.c[k] == v for k, v in key.items()]
                connection.execute(table.update().where(*where).values(**rows[0]))

    def _pipelined(self, steps: Sequence[Step]) -> None:
        connection = self.session.connection()
        dialect = connection.dialect
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.pipeline(), driver.cursor() as cursor:
            for model, rows, kind, key in steps:
                table = _table(model)
                if kind != "update":
                    statement = _insert_statement(table, tuple(rows[0]), dialect, skip_stored=kind == "insert_new")
                    converters = statement.converters
                    cursor.executemany(statement.text(driver), [[f(row.get(k)) for k, f in converters] for row in rows])
                else:
                    assert key is not None
                    statement = _update_statement(table, tuple(rows[0]), tuple(key), dialect)
                    values = {**rows[0], **key}
                    cursor.execute(statement.text(driver), [f(values[k]) for k, f in statement.converters])


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


Converters = list[tuple[str, Callable[[Any], Any]]]


class _Statement:
    """A psycopg ``sql.Composed`` statement with the converters of its parameters, rendered to bytes once: psycopg
    would render a Composed on every execute, while the same bytes each time also find its parsed form and its
    server-side prepared statement (psycopg keys both on the query's bytes)."""

    __slots__ = ("_text", "converters", "query")

    def __init__(self, query: Any, converters: Converters) -> None:
        self.query = query
        self.converters = converters
        self._text: bytes | None = None

    def text(self, driver: Any) -> bytes:
        """The statement as psycopg sends it, rendered by the first connection it runs on (tipdesk's table and
        column names are plain ASCII, quoted the same for every connection)."""
        if self._text is None:
            self._text = bytes(self.query.as_bytes(driver))
        return self._text


def _converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """A column value as psycopg takes it: JSON wrapped, other values through the column type's binding."""
    from psycopg.types.json import Json, Jsonb

    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, JSON):
        wrap = Jsonb if impl.compile(dialect=dialect).upper() == "JSONB" else Json
        return partial(_json, partial(wrap, dumps=compact))  # the text COPY writes, not psycopg's json.dumps
    return partial(_plain, column.type.bind_processor(dialect))


def _insert_new(dialect: Dialect, table: Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the dialect's own construct (PostgreSQL and SQLite have it)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


@lru_cache(maxsize=256)
def _insert_statement(
    table: Table, given: tuple[str, ...], dialect: Dialect, *, skip_stored: bool = False
) -> _Statement:
    """``INSERT`` of the given columns plus those with a Python-side default (applied as an insert would);
    ``skip_stored``: ``ON CONFLICT DO NOTHING``."""
    from psycopg import sql

    columns = [c for c in table.columns if c.key in given or c.default is not None]
    converters: Converters = []
    for c in columns:
        convert = _converter(c, dialect)
        converters.append((c.key, convert if c.key in given else partial(_or_default, _default(c), convert)))
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}){}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        sql.SQL(", ").join(sql.Placeholder() for _ in columns),
        sql.SQL(" ON CONFLICT DO NOTHING" if skip_stored else ""),
    )
    return _Statement(query, converters)


@lru_cache(maxsize=64)
def _update_statement(table: Table, sets: tuple[str, ...], keys: tuple[str, ...], dialect: Dialect) -> _Statement:
    from psycopg import sql

    def assign(names: tuple[str, ...]) -> list[Any]:
        return [sql.SQL("{} = {}").format(sql.Identifier(table.c[k].name), sql.Placeholder()) for k in names]

    query = sql.SQL("UPDATE {} SET {} WHERE {}").format(
        sql.Identifier(table.name), sql.SQL(", ").join(assign(sets)), sql.SQL(" AND ").join(assign(keys))
    )
    return _Statement(query, [(k, _converter(table.c[k], dialect)) for k in (*sets, *keys)])


def _default(column: Column[Any]) -> Callable[[], Any]:
    """The column's Python-side default, as an insert without the column would apply it."""
    default: Any = column.default
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


def _or_default(default: Callable[[], Any], convert: Callable[[Any], Any], value: Any) -> Any:
    return convert(default() if value is None else value)
