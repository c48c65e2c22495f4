"""Concurrent writers through the real application and committed data: 20 clients racing one transition, and 20
clients racing priority and tag changes. Runs on both databases: on PostgreSQL the case row lock
(``SELECT ... FOR UPDATE``) serialises the writers; on SQLite every write transaction starts with ``BEGIN
IMMEDIATE``, so the database write lock serialises them. The assertions are the same: exactly one winner of the
race, no lost update, and an event chain that verifies."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole, User
from app.cases.models import Case
from app.db.session import Database
from app.events import service as events_service
from app.events.models import Event
from app.exercises.models import Exercise
from app.main import create_app
from tests.cases.conftest import World
from tests.conftest import Actor, Factory

CLIENTS = 20


@dataclass
class Committed:
    client: TestClient
    world: World
    analysts: list[Actor]


@pytest.fixture
def committed(database: Database) -> Iterator[Committed]:
    """An exercise, 20 analysts and the app on the real database (commits stay), removed afterwards."""
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, database.settings)
    owner = factory.user(GlobalRole.instructor)
    world = World(session, factory, factory.exercise(owner), owner)
    analysts = [world.member(ExerciseRole.analyst) for _ in range(CLIENTS)]
    try:
        with TestClient(create_app(database.settings, database=database), raise_server_exceptions=False) as client:
            yield Committed(client, world, analysts)
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == world.exercise.id))
        session.execute(delete(User).where(User.id.in_([owner.user.id, *(a.user.id for a in analysts)])))
        session.commit()
        session.close()


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _verify(database: Database, exercise_id: uuid.UUID) -> int:
    with database.read_session_factory() as s:
        result = events_service.verify(s, exercise_id=exercise_id)
        assert result.ok, result
        return result.checked


def test_twenty_clients_race_one_transition(committed: Committed, database: Database) -> None:
    w, client = committed.world, committed.client
    case = w.case()
    url = w.url(case, "/transitions")

    def call(i: int) -> Callable[[], Any]:
        headers = {**committed.analysts[i].headers, **({"If-Match": '"1"'} if i % 2 else {})}
        return lambda: client.post(url, headers=headers, json={"to": "triaged"})

    responses = _race([call(i) for i in range(CLIENTS)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    assert statuses[409] + statuses[412] == CLIENTS - 1
    with database.read_session_factory() as s:
        stored = s.get(Case, case.id)
        assert stored is not None and stored.status == "triaged" and stored.version == 2
        moves = s.scalar(
            select(func.count()).where(Event.subject_id == str(case.id), Event.type == "case.transitioned")
        )
        assert moves == 1
    _verify(database, w.exercise.id)


def test_parallel_priority_and_tag_changes_lose_no_update(committed: Committed, database: Database) -> None:
    w, client = committed.world, committed.client
    case = w.case()

    def call(i: int) -> Callable[[], Any]:
        body: dict[str, Any] = {"add_tags": [f"t{i}"]}
        if i % 2 == 0:
            body["priority"] = ("E", "1", "2", "3")[i // 2 % 4]
        headers = committed.analysts[i].headers
        return lambda: client.patch(w.url(case), headers=headers, json=body)

    responses = _race([call(i) for i in range(CLIENTS)])
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses if r.status_code != 200]
    with database.read_session_factory() as s:
        stored = s.get(Case, case.id)
        assert stored is not None
        assert sorted(stored.tags) == sorted(f"t{i}" for i in range(CLIENTS))
        assert stored.version == 1 + CLIENTS
        updates = s.scalars(
            select(Event).where(Event.subject_id == str(case.id), Event.type == "case.updated").order_by(Event.seq)
        ).all()
    tag_events = [e.data for e in updates if e.data["field"] == "tags"]
    assert len(tag_events) == CLIENTS
    for before, after in itertools.pairwise(tag_events):
        assert after["old"] == before["new"]  # each change saw the one before it
    priorities = [e.data for e in updates if e.data["field"] == "priority"]
    for before, after in itertools.pairwise(priorities):
        assert after["old"] == before["new"]
    assert priorities[-1]["new"] == stored.priority
    _verify(database, w.exercise.id)
