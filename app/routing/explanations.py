"""Routing explanations stored once per exercise (``RoutingExplanation``): the reports that show the rules the same
values and place share one explanation, so each decision row holds the id of its explanation, not a copy of it.

An explanation's id is derived from the exercise and the explanation's JSON text (a name-based UUID, version 5), so
every writer gives the same explanation the same id without asking the database, and storing one that is already
there changes nothing (``ON CONFLICT DO NOTHING``). The router hands the same explanation object to every report it
routes alike, for as long as it remembers the decision, so ids are kept by object here too (the objects are held,
so an id of an object is never another's)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.jsontext import dumps_with
from app.routing.models import RoutingExplanation

_dumps = dumps_with(sort_keys=True)  # one text per explanation, whatever the order its keys were built in
_KNOWN_MAX = 8192
LOOKED_UP_FROM = 8  # from this many distinct explanations in one store, those already stored are looked up
_known: dict[tuple[uuid.UUID, int], tuple[dict[str, Any], uuid.UUID]] = {}  # (exercise, id(object)) -> (it, its id)


def explanation_id(exercise_id: uuid.UUID, explanation: dict[str, Any]) -> uuid.UUID:
    return uuid.uuid5(exercise_id, _dumps(explanation))


def _id_of(exercise_id: uuid.UUID, explanation: dict[str, Any]) -> uuid.UUID:
    key = (exercise_id, id(explanation))
    known = _known.get(key)
    if known is not None and known[0] is explanation:
        return known[1]
    eid = explanation_id(exercise_id, explanation)
    if len(_known) >= _KNOWN_MAX:
        _known.clear()
    _known[key] = (explanation, eid)
    return eid


class Explanations:
    """The explanations of the decisions one transaction stores, each once: ``rows`` to insert (unless stored)
    before the decisions."""

    __slots__ = ("exercise_id", "rows")

    def __init__(self, exercise_id: uuid.UUID) -> None:
        self.exercise_id = exercise_id
        self.rows: dict[uuid.UUID, dict[str, Any]] = {}

    def id_of(self, explanation: dict[str, Any]) -> uuid.UUID:
        eid = _id_of(self.exercise_id, explanation)
        if eid not in self.rows:
            self.rows[eid] = {"id": eid, "exercise_id": self.exercise_id, "body": explanation}
        return eid

    def to_store(self, session: Session) -> list[dict[str, Any]]:
        """The rows to insert: all of them for a few (the insert skips stored ones anyway), the unstored ones for
        many."""
        if len(self.rows) < LOOKED_UP_FROM:
            return list(self.rows.values())
        return self.unstored(session)

    def unstored(self, session: Session) -> list[dict[str, Any]]:
        """The rows of explanations not stored yet, as this transaction sees them: for a large batch, where most
        were stored by earlier ones, one query spares writing each out again. (One stored concurrently is still
        skipped by the insert.)"""
        # by id alone (an id names its exercise too): probes of the primary key, never a scan of the exercise's
        stored = set(session.scalars(select(RoutingExplanation.id).where(RoutingExplanation.id.in_(list(self.rows)))))
        return [row for eid, row in self.rows.items() if eid not in stored]
