"""The event stream across processes: two uvicorn processes on one PostgreSQL database. A client follows the stream
of process A while process B takes the writes; it disconnects after event N and reconnects with ``Last-Event-ID: N``
and receives N+1, N+2, ... with no gap and no repeat. Then process A is stopped with SIGTERM while a stream is open,
and the stream ends cleanly.

PostgreSQL only: several server processes sharing one SQLite file is not a supported deployment."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.models import GlobalRole, User
from app.db.session import Database
from app.events.models import Event
from app.exercises.models import Exercise
from tests import dbs
from tests.conftest import TEST_SECRET, Actor, Factory
from tests.events.live import Process, read_stream, serve_in_process
from tests.reports.test_list_filter_api import ENTICEMENT, TOURISM, document

pytestmark = pytest.mark.skipif(
    dbs.BACKEND != "postgresql",
    reason="needs PostgreSQL (TIPDESK_TEST_DB=postgresql): several API processes on one database",
)

REPORTS = 20  # each writes two events (case.opened, report.received)


@pytest.fixture
def committed(database: Database) -> Iterator[tuple[Session, Exercise, Actor]]:
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, database.settings)
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    try:
        yield session, exercise, owner
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == exercise.id))
        session.execute(delete(User).where(User.id == owner.user.id))
        session.commit()
        session.close()


@pytest.fixture(scope="module")
def processes(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, Process]]:
    """Two API processes for the module (the SIGTERM test, last, stops process A)."""
    tmp_path = tmp_path_factory.mktemp("servers")
    env = {
        "TIPDESK_DATABASE_URL": database_url,
        "TIPDESK_SECRET_KEY": TEST_SECRET,
        "TIPDESK_ENVIRONMENT": "test",
        "TIPDESK_STREAM_POLL_INTERVAL_SECONDS": "0.05",
        "TIPDESK_STREAM_HEARTBEAT_SECONDS": "0.5",
        "TIPDESK_DB_POOL_SIZE": "3",
    }
    with serve_in_process(env, tmp_path, "a") as a, serve_in_process(env, tmp_path, "b") as b:
        yield a, b


def test_resume_on_process_a_while_process_b_writes(
    committed: tuple[Session, Exercise, Actor], processes: tuple[Process, Process]
) -> None:
    session, exercise, owner = committed
    a, b = processes
    path = f"/api/v1/exercises/{exercise.id}"
    start = session.scalar(select(func.max(Event.seq)).where(Event.exercise_id == exercise.id)) or 0
    final: list[int] = []
    failures: list[str] = []

    def write() -> None:
        with httpx.Client(base_url=b.url, headers=owner.headers, timeout=30) as client:
            for i in range(REPORTS):
                r = client.post(f"{path}/reports", json=document(ENTICEMENT if i % 2 else TOURISM, ages=(12,)))
                if r.status_code != 201:
                    failures.append(r.text)
                time.sleep(0.03)
        with Session(session.get_bind()) as own:  # the log's end once B is done (intake writes several events)
            final.append(own.scalar(select(func.max(Event.seq)).where(Event.exercise_id == exercise.id)) or 0)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        n = start + 9  # disconnect after event N, somewhere among process B's writes
        first = read_stream(
            f"{a.url}{path}/events/stream",
            headers=owner.headers,
            until=lambda r: bool(r.messages) and r.messages[-1].seq >= n,
        )
        assert [m.seq for m in first.messages] == list(range(1, n + 1))
        second = read_stream(
            f"{a.url}{path}/events/stream",
            headers={**owner.headers, "Last-Event-ID": str(n)},
            until=lambda r: bool(final) and bool(r.messages) and r.messages[-1].seq >= final[0],
            timeout=60,
        )
    finally:
        writer.join()
    assert failures == []
    seqs = [m.seq for m in second.messages]
    assert seqs == list(range(n + 1, final[0] + 1)), "gap or repeat after resuming"
    assert [m.data["seq"] for m in second.messages] == seqs
    received = [m for m in first.messages + second.messages if m.data["type"] == "report.received"]
    assert len(received) == REPORTS  # every write made by process B reached the stream served by process A
    rows = session.execute(select(Event.seq, Event.hash).where(Event.exercise_id == exercise.id))
    logged: dict[int, str] = dict(rows.all())
    assert all(m.data["hash"] == logged[m.seq] for m in first.messages + second.messages)


def test_sigterm_ends_an_open_stream_cleanly(
    committed: tuple[Session, Exercise, Actor], processes: tuple[Process, Process]
) -> None:
    _session, exercise, owner = committed
    a, _b = processes
    result: dict[str, object] = {}

    def follow() -> None:
        result["reading"] = read_stream(
            f"{a.url}/api/v1/exercises/{exercise.id}/events/stream", headers=owner.headers, until=lambda r: False
        )

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(1.5)
    stopped = time.monotonic()
    a.popen.send_signal(signal.SIGTERM)
    reader.join(10)
    assert not reader.is_alive()
    reading = result["reading"]
    assert getattr(reading, "ended", False), "the stream did not end with a complete response"
    assert a.popen.wait(10) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    assert time.monotonic() - stopped < 5  # ended by the stream itself, not by uvicorn's graceful timeout
