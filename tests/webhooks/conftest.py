"""Loopback receivers and a committed world for webhook tests.

A :class:`Receiver` is a real HTTP server on 127.0.0.1 in a thread; ``policy`` decides each response's status from
the request's number (1-based), so a test can make it fail the first attempts or answer slowly. It can be stopped
and started again on the same port (a receiver that is down refuses connections).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole, User
from app.core.config import Settings
from app.db.session import Database
from app.events import service as events_service
from app.events.models import EventStream
from app.exercises.models import Exercise
from app.main import create_app
from tests.conftest import Actor, Factory


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    def __init__(self, policy: Callable[[int], int] | None = None, *, delay: float = 0.0) -> None:
        self.policy = policy or (lambda _n: 200)
        self.delay = delay
        self.requests: list[Received] = []
        self.accepted: list[Received] = []  # answered 2xx
        self._lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got = Received(dict(self.headers.items()), body)
                with receiver._lock:
                    receiver.requests.append(got)
                    status = receiver.policy(len(receiver.requests))
                    if 200 <= status < 300:
                        receiver.accepted.append(got)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                payload = b"ok" if status < 300 else b"receiver says no"
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def fast(settings: Settings, **kw: Any) -> Settings:
    """Tiny backoff and poll intervals for tests."""
    values: dict[str, Any] = {
        "webhook_backoff_base_seconds": 0.01,
        "webhook_backoff_cap_seconds": 0.05,
        "webhook_poll_interval_seconds": 0.05,
        "webhook_timeout_seconds": 5.0,
        "webhook_lease_seconds": 30.0,
        **kw,
    }
    return settings.model_copy(update=values)


@dataclass
class Committed:
    """An exercise with an instructor on the real database (commits stay; removed afterwards)."""

    database: Database
    settings: Settings
    session: Session
    factory: Factory
    exercise: Exercise
    owner: Actor
    users: list[uuid.UUID] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/api/v1/exercises/{self.exercise.id}"

    def member(self, role: ExerciseRole) -> Actor:
        actor = self.factory.member(self.exercise, role)
        self.users.append(actor.user.id)
        return actor

    def client(self, settings: Settings | None = None) -> TestClient:
        return TestClient(create_app(settings or self.settings, database=self.database), raise_server_exceptions=False)

    def append(self, count: int, *, type: str = "case.updated") -> list[int]:
        """Record ``count`` events and commit; returns their seqs."""
        at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        drafts = [
            events_service.Draft(at, "system", type, "case", uuid.uuid4(), {"field": "tags", "new": [f"t{i}"]})
            for i in range(count)
        ]
        with self.database.session_factory.begin() as s:
            events_service.append_many(s, exercise_id=self.exercise.id, drafts=drafts)
            head = s.get_one(EventStream, self.exercise.id).last_seq
        return list(range(head - count + 1, head + 1))


@pytest.fixture
def committed(database: Database) -> Iterator[Committed]:
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, database.settings)
    owner = factory.user(GlobalRole.instructor)
    world = Committed(database, fast(database.settings), session, factory, factory.exercise(owner), owner)
    world.users.append(owner.user.id)
    try:
        yield world
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == world.exercise.id))
        session.execute(delete(User).where(User.id.in_(world.users)))
        session.commit()
        session.close()


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def async_wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(condition):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
