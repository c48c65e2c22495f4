"""What intake reads about an exercise's set-up — its address registry, units and jurisdiction areas, active routing
ruleset and SLA policy — read once and shared by later intakes while the set-up is unchanged.

Every write to those tables gives the exercise a new ``setup_version`` (database triggers, migration
``2026-11-28-1440_exercise_setup_version``), and a version is never given twice, even after a rollback. So a copy
read in a transaction that saw version V holds exactly what every transaction seeing V sees: a copy is kept under
(exercise, V) only when the version is the same before and after the copy was read (no change committed in
between), and an intake uses it when its own transaction sees V. A transaction that changed the set-up itself sees
a version nobody else has seen yet, and reads its own copy. Copies are detached from any session: plain rows and
detached units and ruleset, read-only by convention.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.orm import Session

from app.addresses.service import Registry
from app.cases import sla
from app.db.direct import Direct
from app.exercises.models import Exercise
from app.routing import service as routing_service
from app.routing.models import Ruleset
from app.routing.rules import Router
from app.units.jurisdiction import AreaIndex

CACHE_SIZE = 16  # exercises' set-ups held per process
ROUTER_MEMO = 2_000  # routing decisions each copy's router keeps (a few MB)


@dataclass(frozen=True, slots=True)
class Setup:
    exercise_id: uuid.UUID
    version: int
    registry: Registry
    areas: AreaIndex
    ruleset: Ruleset | None  # the active one
    policy: sla.Policy
    router: Router | None  # the active ruleset's; its memo of places and decisions serves every intake of this copy


_VERSION = Direct(select(Exercise.setup_version).where(Exercise.id == bindparam("exercise_id", type_=Uuid())))
_CACHE: OrderedDict[tuple[uuid.UUID, int], Setup] = OrderedDict()
_LOCK = threading.Lock()


def version(session: Session, *, exercise_id: uuid.UUID) -> int:
    return int(_VERSION.one(session, {"exercise_id": exercise_id})[0])


def current(session: Session, *, exercise_id: uuid.UUID, seen: int | None = None) -> Setup:
    """The exercise's set-up as the session's transaction sees it: one small query when a copy is held, none when
    the caller passes the version it has ``seen`` (read in this transaction, which has not changed the set-up
    since) and a copy of that version is held."""
    if seen is not None and (found := _held((exercise_id, seen))) is not None:
        return found
    seen = version(session, exercise_id=exercise_id)
    key = (exercise_id, seen)
    if (found := _held(key)) is not None:
        return found
    found = _read(session, exercise_id=exercise_id, seen=seen)
    if version(session, exercise_id=exercise_id) == seen:
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return found


def _held(key: tuple[uuid.UUID, int]) -> Setup | None:
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
        return found


def _read(session: Session, *, exercise_id: uuid.UUID, seen: int) -> Setup:
    # a second session in the same transaction: what it loads ends detached, never expired by the caller's commit
    with Session(bind=session.connection(), autoflush=False) as reader:
        areas = AreaIndex.load(reader, exercise_id=exercise_id)
        ruleset = routing_service.active_ruleset(reader, exercise_id=exercise_id)
        setup = Setup(
            exercise_id,
            seen,
            Registry.load(reader, exercise_id=exercise_id),
            areas,
            ruleset,
            sla.policy_for(reader, exercise_id=exercise_id),
            routing_service.indexed_router(ruleset, areas, memo_size=ROUTER_MEMO) if ruleset is not None else None,
        )
        reader.expunge_all()
    return setup


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
