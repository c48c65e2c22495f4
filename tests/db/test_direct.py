"""Direct: a statement sent straight to the driver gives what ``Session.execute`` gives, inside the session's
transaction, after its autoflush, with the statement's own literal values, and with driver errors raised as
SQLAlchemy's."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, Uuid, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.direct import Direct
from app.exercises.models import Exercise, ExerciseCounter
from tests.conftest import Actor, Factory

_COUNTERS = (
    select(ExerciseCounter.name, ExerciseCounter.value)
    .where(ExerciseCounter.exercise_id == bindparam("exercise_id", type_=Uuid()))
    .order_by(ExerciseCounter.name)
    .limit(10)
    .offset(1)  # literal values the statement carries itself
)


def _exercise(factory: Factory) -> Exercise:
    from app.auth.models import GlobalRole

    owner: Actor = factory.user(GlobalRole.instructor)
    return factory.exercise(owner)


def test_rows_are_those_session_execute_gives_and_pending_objects_are_flushed_first(
    session: Session, factory: Factory
) -> None:
    exercise = _exercise(factory)
    for name, value in (("a", 1), ("b", 2), ("c", 3)):
        session.add(ExerciseCounter(exercise_id=exercise.id, name=name, value=value))  # pending: not flushed yet
    rows = Direct(_COUNTERS).rows(session, {"exercise_id": exercise.id})
    assert rows == [tuple(r) for r in session.execute(_COUNTERS, {"exercise_id": exercise.id})]
    assert rows == [("b", 2), ("c", 3)]  # flushed first, and the statement's own offset applied


def test_a_statement_without_rows_returns_none_and_changes_in_the_transaction(
    session: Session, factory: Factory
) -> None:
    exercise = _exercise(factory)
    session.add(ExerciseCounter(exercise_id=exercise.id, name="report", value=5))
    session.flush()
    bump = Direct(
        update(ExerciseCounter)
        .where(
            ExerciseCounter.exercise_id == bindparam("exercise", type_=Uuid()),
            ExerciseCounter.name == bindparam("counter", type_=String()),
        )
        .values(value=ExerciseCounter.value + bindparam("by", type_=Integer()))
    )
    assert bump.rows(session, {"exercise": exercise.id, "counter": "report", "by": 2}) == []
    value = session.scalar(select(ExerciseCounter.value).where(ExerciseCounter.exercise_id == exercise.id))
    assert value == 7


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(session: Session, factory: Factory) -> None:
    exercise = _exercise(factory)
    add = Direct(
        insert(ExerciseCounter).values(
            exercise_id=bindparam("exercise", type_=Uuid()), name=bindparam("counter", type_=String()), value=1
        )
    )
    add.rows(session, {"exercise": exercise.id, "counter": "case"})
    savepoint = session.begin_nested()
    with pytest.raises(IntegrityError):
        add.rows(session, {"exercise": exercise.id, "counter": "case"})
    savepoint.rollback()
    assert session.scalar(select(ExerciseCounter.value).where(ExerciseCounter.exercise_id == exercise.id)) == 1


def test_one_wants_exactly_one_row(session: Session, factory: Factory) -> None:
    exercise = _exercise(factory)
    with pytest.raises(LookupError):
        Direct(_COUNTERS).one(session, {"exercise_id": exercise.id})


def test_a_text_array_literal_holds_any_strings_as_they_are(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("array literals are PostgreSQL's")
    from sqlalchemy import text
    from sqlalchemy.dialects.postgresql import ARRAY

    from app.db.direct import text_array

    values = ["a", "NULL", "null", 'quote " inside', "back\\slash", "", "comma, {braces}", " spaced ", "é 中"]
    statement = select(func.unnest(bindparam("values", type_=ARRAY(String))))
    assert [r[0] for r in Direct(statement).rows(session, {"values": text_array(values)})] == values
    assert session.scalar(text("SELECT CAST(:v AS VARCHAR[])"), {"v": text_array([])}) == []
