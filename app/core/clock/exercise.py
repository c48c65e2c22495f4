"""Exercise clocks: real time, or simulated time with an origin, a speed factor and a pause.

A simulated clock is stored as an *anchor*: the wall time ``anchor`` at which the exercise time was ``base``.
Exercise time is then ``base + (wall_now - anchor) * speed``, or ``base`` while paused. Every change (pause,
resume, speed, jump) re-anchors at the current instant, so the exercise time never moves backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.core.clock.wall import WallClock, wall

MAX_SPEED = 10_000.0
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exercise time stops here rather than overflow


class ClockMode(StrEnum):
    real = "real"
    simulated = "simulated"


@dataclass(frozen=True, slots=True)
class ClockState:
    mode: ClockMode
    base: datetime
    anchor: datetime
    speed: float = 1.0
    paused: bool = False

    @classmethod
    def real(cls, at: datetime) -> ClockState:
        return cls(mode=ClockMode.real, base=at, anchor=at)

    @classmethod
    def simulated(cls, *, origin: datetime, at: datetime, speed: float = 1.0, paused: bool = False) -> ClockState:
        return cls(mode=ClockMode.simulated, base=origin, anchor=at, speed=speed, paused=paused)

    def rebase(self, wall_now: datetime) -> ClockState:
        """The same clock, anchored at ``wall_now``."""
        return replace(self, base=exercise_now(self, wall_now), anchor=wall_now)

    def paused_at(self, wall_now: datetime) -> ClockState:
        return replace(self.rebase(wall_now), paused=True)

    def resumed_at(self, wall_now: datetime) -> ClockState:
        return replace(self.rebase(wall_now), paused=False)

    def with_speed(self, speed: float, wall_now: datetime) -> ClockState:
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be in (0, {MAX_SPEED:g}]")
        return replace(self.rebase(wall_now), speed=speed)

    def jumped(self, seconds: float, wall_now: datetime) -> ClockState:
        if seconds <= 0:
            raise ValueError("a jump goes forward: seconds must be positive")
        rebased = self.rebase(wall_now)
        if (LATEST - rebased.base).total_seconds() <= seconds:
            raise ValueError("a jump may not go past the end of exercise time (2200)")
        return replace(rebased, base=rebased.base + timedelta(seconds=seconds))


def exercise_now(state: ClockState, wall_now: datetime) -> datetime:
    if state.mode is ClockMode.real:
        return wall_now
    if state.paused:
        return min(state.base, LATEST)
    elapsed = (wall_now - state.anchor).total_seconds() * state.speed
    headroom = (LATEST - state.base).total_seconds()
    return LATEST if elapsed >= headroom else state.base + timedelta(seconds=elapsed)


class ExerciseClock:
    """What domain code holds: ``clock.now()`` is the exercise's current time."""

    def __init__(self, state: ClockState, source: WallClock | None = None) -> None:
        self.state = state
        self._source = source

    def now(self) -> datetime:
        return exercise_now(self.state, (self._source or wall).now())
