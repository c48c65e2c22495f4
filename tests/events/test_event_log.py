from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import GlobalRole, User
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.clock import wall
from app.db.session import Database
from app.events import chain
from app.events import service as events_service
from app.events.models import GENESIS_HASH, Event
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from tests.conftest import Factory

CREATED = 3  # a new exercise's events: exercise.created, membership.added, ruleset.activated (default ruleset)


def _ticks(session: Session, exercise_id: uuid.UUID, n: int) -> None:
    for i in range(n):
        events_service.append(
            session,
            exercise_id=exercise_id,
            at=wall.now(),
            actor="system",
            type="test.tick",
            subject_type="exercise",
            subject_id=None,
            data={"i": i},
        )
    session.commit()


def test_chain_links_and_verifies(client: TestClient, factory: Factory, session: Session) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    created = session.scalar(select(func.count()).where(Event.exercise_id == ex.id))
    assert created == CREATED
    for i in range(5):
        events_service.append(
            session,
            exercise_id=ex.id,
            at=wall.now(),
            actor="system",
            type="test.tick",
            subject_type="exercise",
            subject_id=ex.id,
            data={"i": i, "label": "tück", "nested": {"b": [1, 2.5, None], "a": True}},
        )
    session.commit()
    rows = session.scalars(select(Event).where(Event.exercise_id == ex.id).order_by(Event.seq)).all()
    assert [e.seq for e in rows] == list(range(1, CREATED + 6))
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    r = client.get(f"/api/v1/exercises/{ex.id}/events/verify", headers=owner.headers)
    assert r.json() == {"ok": True, "checked": CREATED + 5, "first_bad_seq": None, "reason": None}


def test_hash_is_sha256_of_the_documented_canonical_form() -> None:
    import hashlib
    from datetime import UTC, datetime

    eid = uuid.UUID("00000000-0000-4000-8000-000000000001")
    fields = {
        "exercise_id": eid,
        "seq": 1,
        "at": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        "actor": "system",
        "type": "exercise.created",
        "subject_type": "exercise",
        "subject_id": str(eid),
        "data": {"name": "Ä", "n": 1},
        "prev_hash": GENESIS_HASH,
    }
    expected = (
        '{"actor":"system","at":"2026-03-02T08:00:00.000000Z","data":{"n":1,"name":"Ä"},'
        '"exercise_id":"00000000-0000-4000-8000-000000000001","prev_hash":"' + GENESIS_HASH + '","seq":1,'
        '"subject_id":"00000000-0000-4000-8000-000000000001","subject_type":"exercise","type":"exercise.created"}'
    )
    assert chain.canonical(**fields) == expected.encode()
    assert chain.event_hash(**fields) == hashlib.sha256(expected.encode()).hexdigest()


@pytest.mark.parametrize("tamper", ["data", "actor", "delete"])
def test_editing_a_stored_event_is_detected_at_its_seq(
    client: TestClient, factory: Factory, session: Session, tamper: str
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    _ticks(session, ex.id, 4)
    where = (Event.exercise_id == ex.id) & (Event.seq == 4)
    if tamper == "data":
        session.execute(update(Event).where(where).values(data={"i": 99}))
    elif tamper == "actor":
        session.execute(update(Event).where(where).values(actor="user:someone-else"))
    else:
        session.execute(delete(Event).where(where))
    session.commit()
    body = client.get(f"/api/v1/exercises/{ex.id}/events/verify", headers=owner.headers).json()
    assert body["ok"] is False
    assert body["first_bad_seq"] == 4
    assert body["checked"] == 3


def test_events_page_by_after_and_cursor(client: TestClient, factory: Factory, session: Session) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    _ticks(session, ex.id, 10)
    url = f"/api/v1/exercises/{ex.id}/events"
    r = client.get(f"{url}?after=5&limit=3", headers=owner.headers).json()
    assert [e["seq"] for e in r["items"]] == [6, 7, 8]
    r2 = client.get(f"{url}?after=5&limit=3&cursor={r['next_cursor']}", headers=owner.headers).json()
    assert [e["seq"] for e in r2["items"]] == [9, 10, 11]
    r3 = client.get(f"{url}?after=5&limit=3&cursor={r2['next_cursor']}", headers=owner.headers).json()
    assert [e["seq"] for e in r3["items"]] == [12, 13] and r3["next_cursor"] is None  # 3 created + 10 ticks
    assert client.get(f"{url}?after=-1", headers=owner.headers).status_code == 422


@pytest.fixture
def committed_exercise(database: Database) -> Iterator[uuid.UUID]:
    """An exercise committed for real (threads need to see it), removed afterwards."""
    with database.session_factory.begin() as s:
        user = auth_service.create_user(
            s,
            principal=None,
            data=UserCreate(
                username=f"c{uuid.uuid4().hex[:8]}",
                password="pw-12345678",
                display_name="C",
                role=GlobalRole.instructor,
            ),
        )
        ex = exercises_service.create_exercise(
            s, data=ExerciseCreate(name="concurrency"), principal=Principal(user, None)
        )
        ids = (ex.id, user.id)
    yield ids[0]
    with database.session_factory.begin() as s:
        s.execute(delete(Exercise).where(Exercise.id == ids[0]))
        s.execute(delete(User).where(User.id == ids[1]))


def test_concurrent_appends_give_a_gap_free_verifiable_sequence(
    database: Database, committed_exercise: uuid.UUID
) -> None:
    threads, per_thread = 8, 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with database.session_factory.begin() as s:
                    events_service.append(
                        s,
                        exercise_id=committed_exercise,
                        at=wall.now(),
                        actor=f"worker:{n}",
                        type="test.concurrent",
                        subject_type="exercise",
                        subject_id=None,
                        data={"worker": n, "i": i},
                    )
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not errors, errors
    with database.read_session_factory() as s:
        seqs = s.scalars(select(Event.seq).where(Event.exercise_id == committed_exercise).order_by(Event.seq)).all()
        created = CREATED
        assert list(seqs) == list(range(1, created + threads * per_thread + 1))
        per_worker = s.execute(
            text(
                "SELECT actor, count(*) FROM event WHERE exercise_id = :e AND type = 'test.concurrent' GROUP BY actor"
            ),
            {"e": committed_exercise.hex if database.settings.is_sqlite else committed_exercise},
        ).all()
        assert sorted(n for _a, n in per_worker) == [per_thread] * threads
        result = events_service.verify(s, exercise_id=committed_exercise)
    assert result.ok, result
    assert result.checked == created + threads * per_thread
