"""Time for tipdesk: the wall clock (real UTC) and each exercise's clock.

Domain code never reads the system time directly. It asks an exercise's clock (:func:`exercise_clock`) for the
exercise time, or :data:`wall` for real time where real time is meant (token expiry, login throttling). Tests swap
the wall clock with :func:`use_wall_clock` and a :class:`ManualWallClock`.
"""

from app.core.clock.exercise import ClockMode, ClockState, ExerciseClock, exercise_now
from app.core.clock.wall import ManualWallClock, SystemWallClock, WallClock, use_wall_clock, wall

__all__ = [
    "ClockMode",
    "ClockState",
    "ExerciseClock",
    "ManualWallClock",
    "SystemWallClock",
    "WallClock",
    "exercise_now",
    "use_wall_clock",
    "wall",
]
