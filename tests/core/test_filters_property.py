"""SQL and Python agree: random expressions over random rows of every field type (NULLs, case pairs inside and
outside ASCII, LIKE wildcards, lists holding non-strings, JSON that is not an array) select the same rows in the
database as in Python. Runs on SQLite and PostgreSQL like the rest of the suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from tests.core.filter_support import (
    PROPERTY,
    SAMPLE_FIELDS,
    agree,
    expressions,
    metadata,
    sample,
    sample_rows,
    seen_values,
)


@pytest.fixture
def table(session: Session) -> Iterator[Table]:
    metadata.create_all(session.connection())  # inside the test's transaction: rolled back with it
    yield sample


@PROPERTY
@given(data=st.data())
def test_sql_and_python_select_the_same_rows(session: Session, table: Table, data: st.DataObject) -> None:
    rows = data.draw(sample_rows(), label="rows")
    seen = seen_values(SAMPLE_FIELDS, rows)
    raws = data.draw(st.lists(expressions(SAMPLE_FIELDS, seen), min_size=1, max_size=4), label="expressions")
    savepoint = session.begin_nested()
    try:
        if rows:
            session.execute(insert(table), rows)
        agree(session, table, SAMPLE_FIELDS, rows, raws, key=lambda r: r["id"])
    finally:
        savepoint.rollback()
