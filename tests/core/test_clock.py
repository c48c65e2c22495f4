"""The clock itself: pure state arithmetic against a wall clock the test controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.clock import ClockMode, ClockState, ExerciseClock, ManualWallClock, exercise_now

ORIGIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WALL = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def test_simulated_clock_at_speed_60_advances_60_seconds_per_real_second() -> None:
    wall = ManualWallClock(WALL)
    clock = ExerciseClock(ClockState.simulated(origin=ORIGIN, at=WALL, speed=60), wall)
    assert clock.now() == ORIGIN
    wall.advance(1)
    assert clock.now() == ORIGIN + timedelta(seconds=60)
    wall.advance(0.5)
    assert clock.now() == ORIGIN + timedelta(seconds=90)


def test_paused_clock_stays_put() -> None:
    wall = ManualWallClock(WALL)
    state = ClockState.simulated(origin=ORIGIN, at=WALL, speed=10)
    wall.advance(3)
    paused = state.paused_at(wall.now())
    frozen = exercise_now(paused, wall.now())
    assert frozen == ORIGIN + timedelta(seconds=30)
    wall.advance(3600)
    assert exercise_now(paused, wall.now()) == frozen
    resumed = paused.resumed_at(wall.now())
    wall.advance(2)
    assert exercise_now(resumed, wall.now()) == frozen + timedelta(seconds=20)


def test_jump_forward_and_speed_change_keep_time_continuous() -> None:
    wall = ManualWallClock(WALL)
    state = ClockState.simulated(origin=ORIGIN, at=WALL)
    wall.advance(10)
    jumped = state.jumped(3600, wall.now())
    assert exercise_now(jumped, wall.now()) == ORIGIN + timedelta(seconds=3610)
    faster = jumped.with_speed(120, wall.now())
    assert exercise_now(faster, wall.now()) == ORIGIN + timedelta(seconds=3610)
    wall.advance(1)
    assert exercise_now(faster, wall.now()) == ORIGIN + timedelta(seconds=3730)


@pytest.mark.parametrize("seconds", [0, -1])
def test_jump_must_go_forward(seconds: float) -> None:
    with pytest.raises(ValueError):
        ClockState.simulated(origin=ORIGIN, at=WALL).jumped(seconds, WALL)


@pytest.mark.parametrize("speed", [0, -2, 10_001])
def test_speed_is_bounded(speed: float) -> None:
    with pytest.raises(ValueError):
        ClockState.simulated(origin=ORIGIN, at=WALL).with_speed(speed, WALL)


def test_real_clock_is_the_wall_clock() -> None:
    wall = ManualWallClock(WALL)
    clock = ExerciseClock(ClockState.real(WALL), wall)
    wall.advance(42)
    assert clock.now() == WALL + timedelta(seconds=42)
    assert clock.state.mode is ClockMode.real
