"""Small statements on hot paths, sent straight to the PostgreSQL driver.

A statement is compiled once per dialect; on PostgreSQL it then runs on the session's own connection (inside the
caller's transaction, after the session's autoflush, as ``Session.execute`` would) but without SQLAlchemy's work per
execution — the statement's cache key, parameter and result processing — which for a statement of a few rows costs
several times the statement's own trip to the server (an upsert of two counters: about 320 µs through
``Session.execute``, 55 µs through the driver). psycopg also prepares it on the server once it has run a few times.
Parameters are given as the driver takes them (UUIDs, numbers, strings, datetimes, lists for arrays); rows come back
as the driver's tuples. Driver errors are raised as SQLAlchemy would raise them. Other databases run the same
statement through the session.

``generic_plan``: PostgreSQL plans a prepared statement anew for every execution while it estimates that plans made
for the values at hand beat its generic plan; for a join whose parameters are arrays (their length known only to a
custom plan) that is every execution, and planning can cost more than running it (the deconfliction lookup: about
200 µs of planning for 60 µs of execution). Such a statement runs with ``plan_cache_mode = force_generic_plan`` set
for itself alone (in the same round trip, by ``SET LOCAL`` before and after it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

_GENERIC = "SET LOCAL plan_cache_mode = force_generic_plan"
_AUTO = "SET LOCAL plan_cache_mode = DEFAULT"


def text_array(values: Iterable[str]) -> str:
    """The PostgreSQL array literal of the strings, for a parameter the statement casts to a text array: one
    string the driver sends as it is (a list is adapted element by element in Python, several times the cost).
    Every element is quoted, so any text is taken as it is (``NULL`` included)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


class Direct:
    __slots__ = ("_fixed", "_sql", "generic_plan", "statement")

    def __init__(self, statement: Executable, *, generic_plan: bool = False) -> None:
        self.statement = statement
        self.generic_plan = generic_plan
        self._sql: str | None = None  # the statement compiled for PostgreSQL, with the driver's placeholders
        self._fixed: dict[str, Any] = {}  # the values the statement itself carries (a literal limit, say)

    def rows(self, session: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        if session.autoflush:
            session.flush()
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            result = connection.execute(self.statement, params)
            return [tuple(row) for row in result] if result.returns_rows else []
        if self._sql is None:
            compiled = self.statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
            self._fixed = {k: v for k, v in compiled.params.items() if not compiled.binds[k].required}
            self._sql = str(compiled)
        if self._fixed:
            params = {**self._fixed, **params}
        driver = connection.connection.driver_connection
        assert driver is not None
        import psycopg

        try:
            if self.generic_plan:
                return self._with_generic_plan(driver, params)
            with driver.cursor() as cursor:
                cursor.execute(self._sql, params)
                return cursor.fetchall() if cursor.description is not None else []
        except psycopg.Error as exc:
            raise DBAPIError.instance(self._sql, params, exc, psycopg.Error) from exc

    def _with_generic_plan(self, driver: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        assert self._sql is not None
        with driver.cursor() as before, driver.cursor() as query, driver.cursor() as after:
            with driver.pipeline():  # the three statements in one round trip
                before.execute(_GENERIC)
                query.execute(self._sql, params)
                after.execute(_AUTO)
            rows: list[tuple[Any, ...]] = query.fetchall()
            return rows

    def one(self, session: Session, params: dict[str, Any]) -> tuple[Any, ...]:
        rows = self.rows(session, params)
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return rows[0]
