"""Running the SLA sweep: once over every open exercise (``tipdesk sweep``), or every few seconds in a background
thread of ``tipdesk serve`` that stops when the server does."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from app.cases import sla
from app.db import registry  # noqa: F401 - every model mapped before the first query (the sweep may run first)
from app.db.session import Database
from app.exercises.models import Exercise

log = logging.getLogger("tipdesk.sweep")


def sweep_all(database: Database) -> dict[str, int]:
    """Sweep each exercise in its own transaction; returns the breaches recorded per exercise id."""
    with Session(database.read_engine) as s:
        ids = sla.exercises_to_sweep(s)
    found: dict[str, int] = {}
    for exercise_id in ids:
        with database.session_factory.begin() as session:
            exercise = session.get(Exercise, exercise_id)
            if exercise is None:
                continue
            count = sla.sweep(session, exercise=exercise)
        if count:
            found[str(exercise_id)] = count
    return found


class PeriodicSweeper:
    """A daemon thread sweeping every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tipdesk-sla-sweep", daemon=True)

    def start(self) -> PeriodicSweeper:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                found = sweep_all(self.database)
                if found:
                    log.info("sla breaches recorded: %s", found)
            except Exception:  # a failed round (database away) is logged and retried next round
                log.exception("sla sweep failed")
            self.runs += 1
            self._stop.wait(self.interval)
