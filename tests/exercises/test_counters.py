"""Counters: blocks of consecutive values, several counters in one statement, each continuing where it stopped."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.models import GlobalRole
from app.exercises import counters
from tests.conftest import Factory


def test_blocks_follow_each_other_per_counter(factory: Factory, session: Session) -> None:
    exercise = factory.exercise(factory.user(GlobalRole.instructor))
    reserve = lambda **counts: counters.reserve_many(session, exercise_id=exercise.id, counts=counts)  # noqa: E731
    first_report = counters.next_value(session, exercise_id=exercise.id, name="zz_probe")
    assert first_report == 1
    assert reserve(zz_probe=3, zz_other=2) == {"zz_probe": 2, "zz_other": 1}
    assert reserve(zz_other=0, zz_probe=1) == {"zz_other": 0, "zz_probe": 5}
    assert reserve(zz_other=4) == {"zz_other": 3}
    assert reserve(zz_probe=0) == {"zz_probe": 0}
    assert counters.reserve(session, exercise_id=exercise.id, name="zz_other", count=1) == 7


def test_counters_of_another_exercise_are_apart(factory: Factory, session: Session) -> None:
    owner = factory.user(GlobalRole.instructor)
    one, two = factory.exercise(owner), factory.exercise(owner)
    assert counters.reserve_many(session, exercise_id=one.id, counts={"zz_probe": 5})["zz_probe"] == 1
    assert counters.reserve_many(session, exercise_id=two.id, counts={"zz_probe": 2})["zz_probe"] == 1
    assert counters.reserve_many(session, exercise_id=one.id, counts={"zz_probe": 1})["zz_probe"] == 6
