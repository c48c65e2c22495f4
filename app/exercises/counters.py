"""Per-exercise counters (report and case numbers): gap-free, safe with concurrent writers on both databases."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, String, Table, Uuid, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from app.db.direct import Direct
from app.exercises.models import ExerciseCounter


def next_value(session: Session, *, exercise_id: uuid.UUID, name: str) -> int:
    """The counter's next value (1 first). The upsert takes the row lock, so concurrent callers queue."""
    return reserve(session, exercise_id=exercise_id, name=name, count=1)


def reserve(session: Session, *, exercise_id: uuid.UUID, name: str, count: int) -> int:
    """Reserve `count` (at least 1) consecutive values at once; returns the first of them."""
    if count < 1:
        raise ValueError("reserve at least one value")
    return reserve_many(session, exercise_id=exercise_id, counts={name: count})[name]


def reserve_many(session: Session, *, exercise_id: uuid.UUID, counts: dict[str, int]) -> dict[str, int]:
    """Reserve blocks of several counters in one statement (a multi-row upsert, rows in name order so concurrent
    callers lock them in the same order); the first value of each block, by counter name."""
    wanted = {name: n for name, n in counts.items() if n > 0}
    if not wanted:
        return dict.fromkeys(counts, 0)
    params: dict[str, Any] = {}
    for i, (name, count) in enumerate(sorted(wanted.items())):
        params |= {f"exercise_id_{i}": exercise_id, f"name_{i}": name, f"value_{i}": count}
    upsert = _upsert_many(session.get_bind().dialect.name, len(wanted))
    after = {str(name): int(value) for name, value in upsert.rows(session, params)}
    return {name: after[name] - wanted[name] + 1 if name in wanted else 0 for name in counts}


@lru_cache(maxsize=16)
def _upsert_many(dialect: str, rows: int) -> Direct:
    """The upsert of ``rows`` counters, built once per shape."""
    table = ExerciseCounter.__table__
    assert isinstance(table, Table)
    values = [
        {
            "exercise_id": bindparam(f"exercise_id_{i}", type_=Uuid()),
            "name": bindparam(f"name_{i}", type_=String()),
            "value": bindparam(f"value_{i}", type_=Integer()),
        }
        for i in range(rows)
    ]
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(values)
    statement: ReturningInsert[Any] = upsert.on_conflict_do_update(
        index_elements=[table.c.exercise_id, table.c.name], set_={"value": table.c.value + upsert.excluded.value}
    ).returning(table.c.name, table.c.value)
    return Direct(statement)
