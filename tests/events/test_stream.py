"""The live event stream through a real server in this process, on both databases: resumption by Last-Event-ID
without gap or repeat, visibility per role, the type filter, heartbeats, authentication, and clean shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole, User
from app.db.session import Database
from app.events import service as events_service
from app.events import stream
from app.events.models import Event
from app.exercises.models import Exercise
from app.main import create_app
from app.units import service as units_service
from tests.cases.conftest import UNIT_TREE, World
from tests.conftest import Actor, Factory
from tests.events.live import Reading, ThreadServer, read_stream, serve_in_thread


@dataclass
class Live:
    server: ThreadServer
    world: World
    session: Session
    users: list[User]

    def url(self, tail: str = "/events/stream") -> str:
        return f"{self.server.url}/api/v1/exercises/{self.world.exercise.id}{tail}"

    def member(self, role: ExerciseRole, unit: str | None = None) -> Actor:
        actor = self.world.member(role, unit)
        self.users.append(actor.user)
        return actor

    def tick(self, n: int, label: str = "tick") -> None:
        """Append ``n`` events as another writer would (committed, outside the server)."""
        for i in range(n):
            events_service.append(
                self.session,
                exercise_id=self.world.exercise.id,
                at=self.world.exercise.created_at,
                actor="system",
                type=f"test.{label}",
                subject_type="exercise",
                subject_id=self.world.exercise.id,
                data={"i": i},
            )
            self.session.commit()

    def head(self) -> int:
        return int(
            self.session.scalar(
                select(Event.seq).where(Event.exercise_id == self.world.exercise.id).order_by(Event.seq.desc()).limit(1)
            )
            or 0
        )


@pytest.fixture
def live(database: Database) -> Iterator[Live]:
    """A unit tree, an instructor and a real server on the committed database (removed afterwards)."""
    settings = database.settings.model_copy(
        update={"stream_poll_interval_seconds": 0.05, "stream_heartbeat_seconds": 0.3, "stream_batch_size": 7}
    )
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, settings)
    owner = factory.user(GlobalRole.instructor)
    world = World(session, factory, factory.exercise(owner, org_template="empty"), owner)
    for code, parent in UNIT_TREE:
        world.units[code] = units_service.create_unit(
            session,
            exercise_id=world.exercise.id,
            code=code,
            name=f"Unit {code}",
            kind="directorate" if parent is None else "command",
            now=world.exercise.created_at,
            parent_id=world.units[parent].id if parent else None,
        )
    session.commit()
    users = [owner.user]
    try:
        with serve_in_thread(create_app(settings, database=database)) as server:
            yield Live(server, world, session, users)
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == world.exercise.id))
        session.execute(delete(User).where(User.id.in_([u.id for u in users])))
        session.commit()
        session.close()


def _until_seq(seq: int):  # type: ignore[no-untyped-def]
    return lambda r: bool(r.messages) and r.messages[-1].seq >= seq


def test_disconnect_after_n_and_resume_with_last_event_id_has_no_gap_and_no_repeat(live: Live) -> None:
    live.tick(12)
    head = live.head()
    first = read_stream(live.url(), headers=live.world.owner.headers, until=_until_seq(5))
    assert [m.seq for m in first.messages] == [1, 2, 3, 4, 5]
    n = first.messages[-1].seq
    assert first.messages[-1].data["seq"] == n and first.messages[-1].data["hash"]

    writer = threading.Thread(target=live.tick, args=(25, "late"))  # written while the client reconnects and reads
    writer.start()
    try:
        second = read_stream(
            live.url(),
            headers={**live.world.owner.headers, "Last-Event-ID": str(n)},
            params={"after": 1},  # Last-Event-ID wins over ?after=
            until=_until_seq(head + 25),
        )
    finally:
        writer.join()
    seqs = [m.seq for m in second.messages]
    assert seqs == list(range(n + 1, head + 26))
    logged = {
        e.seq: e.hash for e in live.session.scalars(select(Event).where(Event.exercise_id == live.world.exercise.id))
    }
    assert all(m.data["hash"] == logged[m.seq] for m in second.messages)

    third = read_stream(
        live.url(), headers=live.world.owner.headers, params={"after": head + 20}, until=_until_seq(head + 25)
    )
    assert [m.seq for m in third.messages] == list(range(head + 21, head + 26))


def test_staff_see_only_events_of_cases_they_see(live: Live) -> None:
    mine = live.world.case(unit="POLRES-A1")
    other = live.world.case(unit="POLDA-B")
    analyst = live.member(ExerciseRole.analyst, "POLDA-A")
    live.tick(1)
    head = live.head()
    everything = read_stream(live.url(), headers=live.world.owner.headers, until=_until_seq(head))
    types = {m.data["type"] for m in everything.messages}
    assert {"exercise.created", "case.opened", "membership.added", "test.tick"} <= types

    def subjects(r: Reading) -> set[str | None]:
        return {m.data["subject_id"] for m in r.messages}

    # the analyst's stream ends when idle: read for a while and take what came
    seen = read_stream(live.url(), headers=analyst.headers, until=lambda r: len(r.comments) >= 2)
    assert {m.data["type"] for m in seen.messages} == {"case.opened"}
    assert subjects(seen) == {str(mine.id)}
    assert str(other.id) not in subjects(seen)

    only_units = read_stream(
        live.url(), headers=live.world.owner.headers, params={"types": "membership.*,test.tick"}, until=_until_seq(head)
    )
    assert {m.data["type"] for m in only_units.messages} == {"membership.added", "test.tick"}


def test_an_idle_stream_sends_heartbeat_comments(live: Live) -> None:
    started = time.monotonic()
    idle = read_stream(
        live.url(), headers=live.world.owner.headers, params={"after": 10**6}, until=lambda r: len(r.comments) >= 2
    )
    assert len(idle.comments) >= 2 and idle.messages == []
    assert all(c.startswith("ping") for c in idle.comments)
    assert time.monotonic() - started < 5


def test_refused_callers_get_problems_not_streams(live: Live) -> None:
    reporter = live.member(ExerciseRole.reporter)
    outsider = live.world.factory.user()
    live.users.append(outsider.user)
    cases = (
        ({}, 401, "unauthorized"),
        (reporter.headers, 403, "forbidden"),
        (outsider.headers, 404, "not-found"),
        ({**live.world.owner.headers, "Last-Event-ID": "seven"}, 422, "validation-error"),
    )
    for headers, status, slug in cases:
        r = httpx.get(live.url(), headers=headers, timeout=10)
        assert r.status_code == status, (headers, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith(slug)
    r = httpx.get(live.url(), headers=live.world.owner.headers, params={"after": -1}, timeout=10)
    assert r.status_code == 422


def test_removing_the_member_ends_the_stream(live: Live) -> None:
    analyst = live.member(ExerciseRole.analyst, "POLDA-A")

    removed: list[bool] = []

    def revoke_after_first_ping(r: Reading) -> bool:
        if r.comments and not removed:
            removed.append(True)
            membership = auth_service.get_membership(
                live.session, exercise_id=live.world.exercise.id, user_id=analyst.user.id
            )
            assert membership is not None
            auth_service.remove_member(
                live.session,
                exercise=live.world.exercise,
                membership=membership,
                actor="system",
                at=live.world.exercise.created_at,
            )
            live.session.commit()
        return False

    ended = read_stream(live.url(), headers=analyst.headers, until=revoke_after_first_ping, timeout=10)
    assert ended.ended


def test_server_shutdown_ends_open_streams(live: Live) -> None:
    result: dict[str, Reading] = {}
    reader = threading.Thread(
        target=lambda: result.update(r=read_stream(live.url(), headers=live.world.owner.headers, until=lambda r: False))
    )
    reader.start()
    time.sleep(1.0)
    took = live.server.stop()
    reader.join(10)
    assert not reader.is_alive()
    assert took < 4  # well within uvicorn's graceful timeout (5 s): the stream ended, it was not cancelled
    assert not live.server.thread.is_alive()
    assert result["r"].ended and result["r"].messages  # it was streaming, and the server closed it cleanly


def test_a_stream_ends_after_its_longest_duration_and_the_client_resumes(live: Live, database: Database) -> None:
    live.tick(3)
    settings = database.settings.model_copy(update={"stream_max_seconds": 0.3, "stream_poll_interval_seconds": 0.05})
    with TestClient(create_app(settings, database=database)) as client:
        started = time.monotonic()
        r = client.get(live.url().split(live.server.url)[1], headers=live.world.owner.headers)
        assert time.monotonic() - started < 3
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        ids = [int(line[3:]) for line in r.text.splitlines() if line.startswith("id:")]
        assert ids == list(range(1, live.head() + 1))
        again = client.get(
            live.url().split(live.server.url)[1], headers={**live.world.owner.headers, "Last-Event-ID": str(ids[-2])}
        )
        assert [int(line[3:]) for line in again.text.splitlines() if line.startswith("id:")] == [ids[-1]]


def test_a_disconnected_client_stops_the_polling(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    polls: list[float] = []
    real_poll = stream.poll

    def counting_poll(*args: Any, **kwargs: Any) -> stream.Poll:
        polls.append(time.monotonic())
        return real_poll(*args, **kwargs)

    monkeypatch.setattr(stream, "poll", counting_poll)
    live.tick(2)
    got = read_stream(live.url(), headers=live.world.owner.headers, until=lambda r: len(r.comments) >= 1)
    assert got.messages and polls  # it was polling (every 0.05 s) while connected
    time.sleep(0.5)  # the disconnect reaches the server and the poll in progress finishes
    settled = len(polls)
    time.sleep(0.5)
    assert len(polls) == settled, "the stream went on polling after its client left"
