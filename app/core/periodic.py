"""A daemon thread doing one round of background work every few real seconds until stopped (the SLA sweep and
the release of scheduled arrivals in ``tipdesk serve``). A failed round (the database away, say) is logged and tried
again next round."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Self


class Periodic:
    def __init__(self, name: str, work: Callable[[], None], interval: float, log: logging.Logger) -> None:
        self.interval = interval
        self.runs = 0  # rounds finished, failed ones included
        self._work = work
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._work()
            except Exception:  # logged and retried next round
                self._log.exception("%s: round failed", self._thread.name)
            self.runs += 1
            self._stop.wait(self.interval)
