"""insert_rows: COPY's text format on PostgreSQL (from 32 rows) and executemany elsewhere store the same values,
whatever characters the text and JSON hold."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, Float, Integer, MetaData, String, Table, Text, Uuid, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import UTCDateTime
from app.db.bulk import COPY_FROM, Writes, insert_rows


class Colour(StrEnum):
    red = "red"


TABLE = Table(
    "bulk_probe",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("name", Text),
    Column("code", String(16)),
    Column("count", Integer),
    Column("ratio", Float),
    Column("flag", Boolean),
    Column("at", UTCDateTime()),
    Column("doc", JSON),
)
TRICKY = ["plain", "tab\there", "line\nbreak", "cr\rhere", "back\\slash", "\\N", "é✓ ünïcode", "", "\\t literal"]


def _rows(n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    return [
        {
            "id": uuid.uuid4(),
            "name": TRICKY[i % len(TRICKY)] if i % 7 else None,
            "code": Colour.red if i % 2 else "blue",
            "count": i,
            "ratio": i / 3,
            "flag": i % 3 == 0,
            "at": start + timedelta(seconds=i, microseconds=i),
            "doc": [{"k": TRICKY[i % len(TRICKY)], "n": [i, None, True]}, {}, []] if i % 5 else ([] if i % 2 else {}),
        }
        for i in range(n)
    ]


def _assert_stored_as_given(back: Any, row: dict[str, Any]) -> None:
    assert (back.name, back.code, back.count, back.flag, back.doc) == (
        row["name"],
        str(row["code"]),
        row["count"],
        row["flag"],
        row["doc"],
    )
    assert back.ratio == pytest.approx(row["ratio"]) and back.at == row["at"]


@pytest.mark.parametrize("n", [COPY_FROM - 1, COPY_FROM + 40])
def test_values_come_back_as_given(session: Session, n: int) -> None:
    connection = session.connection()
    TABLE.create(connection)
    rows = _rows(n)
    insert_rows(session, SimpleNamespace(__table__=TABLE), rows)  # type: ignore[arg-type]
    stored = {r.id: r for r in connection.execute(select(TABLE))}
    assert len(stored) == n
    for row in rows:
        _assert_stored_as_given(stored[row["id"]], row)


def test_naive_times_are_refused(session: Session) -> None:
    connection = session.connection()
    TABLE.create(connection)
    rows = _rows(COPY_FROM + 1)
    rows[-1]["at"] = datetime(2026, 3, 2, 8, 0)
    with pytest.raises(Exception, match="naive datetime"):
        insert_rows(session, SimpleNamespace(__table__=TABLE), rows)  # type: ignore[arg-type]


PROBE: Any = SimpleNamespace(__table__=TABLE)


@pytest.mark.parametrize("n", [COPY_FROM - 1, COPY_FROM + 40])
def test_batched_writes_store_the_same_values_and_apply_updates(session: Session, n: int) -> None:
    """Writes: a few rows (one pipeline on PostgreSQL) or many (COPY) store what insert_rows stores."""
    connection = session.connection()
    TABLE.create(connection)
    rows = _rows(n)
    writes = Writes(session)
    writes.insert(PROBE, rows[: n // 2])
    writes.insert(PROBE, rows[n // 2 :])
    writes.update(PROBE, key={"id": rows[0]["id"]}, values={"count": -1, "doc": {"changed": "tab\there"}})
    assert connection.execute(select(TABLE)).all() == []  # nothing is sent before send()
    writes.send()
    stored = {r.id: r for r in connection.execute(select(TABLE))}
    assert len(stored) == n
    for row in rows[1:]:
        _assert_stored_as_given(stored[row["id"]], row)
    first = stored[rows[0]["id"]]
    assert (first._mapping["count"], first.doc) == (-1, {"changed": "tab\there"})


@pytest.mark.parametrize("n", [2, COPY_FROM + 1])
def test_a_refused_batched_write_is_an_integrity_error(session: Session, n: int) -> None:
    connection = session.connection()
    TABLE.create(connection)
    rows = _rows(n)
    rows[-1]["id"] = rows[0]["id"]
    writes = Writes(session)
    writes.insert(PROBE, rows)
    with pytest.raises(IntegrityError):
        writes.send()


@pytest.mark.parametrize("n", [2, COPY_FROM + 1])
def test_insert_new_skips_rows_already_stored(session: Session, n: int) -> None:
    """insert_new stores the rows whose key is new and leaves the stored ones as they are, in a pipeline or beside
    a COPY; plain inserts of a stored key are still refused."""
    connection = session.connection()
    TABLE.create(connection)
    rows = _rows(n)
    insert_rows(session, PROBE, rows[:1])
    again = [{**rows[0], "count": -1}, *rows[1:]]
    writes = Writes(session)
    writes.insert_new(PROBE, again)
    writes.insert(PROBE, _rows(n))  # beside other rows: COPY from 32, a pipeline below
    writes.send()
    stored = {r.id: r for r in connection.execute(select(TABLE))}
    assert len(stored) == 2 * n
    for row in rows:
        _assert_stored_as_given(stored[row["id"]], row)  # the first row kept its count, not -1
    writes.insert(PROBE, rows[:1])
    with pytest.raises(IntegrityError):
        writes.send()


def test_batched_writes_used_often_are_prepared_on_the_server(session: Session) -> None:
    """The pipelined statements are the same bytes on every send, so psycopg prepares them once they recur."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    TABLE.create(connection)
    driver = connection.connection.driver_connection
    assert driver is not None
    rows = _rows(2 * (driver.prepare_threshold or 0) + 2)
    for pair in range(0, len(rows), 2):
        writes = Writes(session)
        writes.insert(PROBE, rows[pair : pair + 2])
        writes.update(PROBE, key={"id": rows[pair]["id"]}, values={"count": -pair})
        writes.send()
    prepared = connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert any(s.startswith('INSERT INTO "bulk_probe"') for s in prepared), prepared
    assert any(s.startswith('UPDATE "bulk_probe"') for s in prepared), prepared
    assert len(connection.execute(select(TABLE)).all()) == len(rows)


@pytest.mark.parametrize("n", [COPY_FROM - 1, COPY_FROM + 1])
def test_json_is_sent_as_the_same_compact_text_by_copy_and_by_pipeline(session: Session, n: int) -> None:
    """A ``json`` column keeps the text it is sent: COPY and the pipeline send the same compact text."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("the pipeline and COPY are PostgreSQL's")
    TABLE.create(connection)
    rows = _rows(n)
    writes = Writes(session)
    writes.insert(PROBE, rows)
    writes.send()
    stored: dict[uuid.UUID, str] = dict(connection.exec_driver_sql("SELECT id, doc::text FROM bulk_probe").all())
    for row in rows:
        assert stored[row["id"]] == json.dumps(row["doc"], ensure_ascii=False, separators=(",", ":"))


def test_copy_text_is_the_plain_form_of_each_value() -> None:
    """The column writers give, value for value, COPY's text form of what a plain formatting gives: str, the UUID's
    hex, repr of floats, t/f, ISO 8601 UTC times, compact non-ASCII JSON; backslash, tab, newline and CR escaped."""
    import json

    from sqlalchemy.dialects import postgresql

    from app.db import bulk

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    def plain(column: str, value: Any) -> str:
        if value is None:
            return "\\N"
        if column == "count":
            return str(int(value))
        if column == "ratio":
            return repr(float(value))
        if column == "id":
            return str(value.hex)
        if column == "flag":
            return "t" if value else "f"
        if column == "at":
            return str(value.astimezone(UTC).isoformat())
        if column == "doc":
            return escaped(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        return escaped(str(value.value if isinstance(value, Colour) else value))

    rows = _rows(60)
    rows[1].update(id=None, code=None, count=None, ratio=None, flag=None, at=None, doc=None)
    rows[2].update(ratio=float(2), count=True, at=datetime(2026, 3, 2, 15, 0, tzinfo=timezone(timedelta(hours=7))))
    rows[3].update(doc={"s": "a\\b\t\n\r\u2028\x00é", "f": [1.5, 1e16, -0.0], "e": Colour.red, "t": (1, "x")})
    dialect = postgresql.psycopg.dialect()
    for column in TABLE.columns:
        write = bulk._column_writer(column.type, dialect)
        assert write is not None
        values = [row[column.key] for row in rows]
        assert write(values) == [plain(column.key, v) for v in values], column.key
