"""The real-time source, swappable for tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class WallClock(Protocol):
    def now(self) -> datetime: ...


class SystemWallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualWallClock:
    """A wall clock that moves only when told to (thread-safe)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, value: datetime) -> None:
        with self._lock:
            self._now = value.astimezone(UTC)


class _Wall:
    """Module-level indirection so every caller sees the clock a test installed."""

    def __init__(self) -> None:
        self.source: WallClock = SystemWallClock()

    def now(self) -> datetime:
        return self.source.now()


wall = _Wall()


@contextmanager
def use_wall_clock(clock: WallClock) -> Iterator[WallClock]:
    previous = wall.source
    wall.source = clock
    try:
        yield clock
    finally:
        wall.source = previous
