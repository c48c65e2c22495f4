"""Running the SLA sweep: once over every open exercise (``tipdesk sweep``), or every few seconds in a background
thread of ``tipdesk serve`` that stops when the server does."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.cases import sla
from app.core.periodic import Periodic
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


class PeriodicSweeper(Periodic):
    """A daemon thread sweeping every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        super().__init__("tipdesk-sla-sweep", self._round, interval, log)

    def _round(self) -> None:
        found = sweep_all(self.database)
        if found:
            log.info("sla breaches recorded: %s", found)
