"""A pooled PostgreSQL connection is pinged before use only after sitting idle; one that died while idle is replaced
before anyone uses it, and one that dies between two quick uses fails one statement and is then replaced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.core.config import Settings
from app.db.session import make_engine


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pg(settings: Settings) -> str:
    if settings.is_sqlite:
        pytest.skip("the liveness check is PostgreSQL's: SQLite's connections are files, not sockets")
    return settings.database_url


@pytest.fixture
def clocked(pg: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, _Clock, list[int]]]:
    clock = _Clock()
    monkeypatch.setattr("app.db.liveness._now", clock)
    engine = make_engine(Settings(database_url=pg, environment="test", db_ping_idle_seconds=5), pool_size=1)
    pings: list[int] = []
    do_ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return do_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    yield engine, clock, pings
    engine.dispose()


def _pid(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg: str, pid: int) -> None:
    other = make_engine(Settings(database_url=pg, environment="test"))
    try:
        with other.connect() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            # the backend is gone once no session with that pid is listed
            for _ in range(100):
                if not c.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                    break
                c.execute(text("SELECT pg_sleep(0.02)"))
    finally:
        other.dispose()


def test_a_connection_back_a_moment_ago_is_not_pinged_and_an_idle_one_is(
    clocked: tuple[Engine, _Clock, list[int]],
) -> None:
    engine, clock, pings = clocked
    first = _pid(engine)
    assert pings == []  # a new connection is not pinged
    clock.now += 4.9
    assert _pid(engine) == first
    assert pings == []
    clock.now += 5
    assert _pid(engine) == first
    assert pings == [1]


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    clocked: tuple[Engine, _Clock, list[int]], pg: str
) -> None:
    engine, clock, pings = clocked
    first = _pid(engine)
    _terminate(pg, first)
    clock.now += 60
    second = _pid(engine)  # no error: the ping found it dead and the pool made a new one
    assert second != first
    assert pings == [1]


def test_a_failed_ping_replaces_every_connection_made_before_it(pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server restart kills every pooled connection: after one fails its ping, the others are not handed out
    either, even those back in the pool only a moment ago."""
    clock = _Clock()
    monkeypatch.setattr("app.db.liveness._now", clock)
    engine = make_engine(Settings(database_url=pg, environment="test", db_ping_idle_seconds=5), pool_size=2)
    try:
        with engine.connect() as a, engine.connect() as b:  # two pooled connections
            old = {int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in (a, b)}
        for pid in old:
            _terminate(pg, pid)
        clock.now += 60  # both idle long enough to be pinged; the first ping fails
        with engine.connect() as a:
            clock.now -= 59.9  # what is checked out next looks back only a moment: it is not pinged
            with engine.connect() as b:
                new = {int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in (a, b)}
        assert not new & old
    finally:
        engine.dispose()


def test_a_connection_that_died_between_quick_uses_fails_once_then_is_replaced(
    clocked: tuple[Engine, _Clock, list[int]], pg: str
) -> None:
    engine, clock, pings = clocked
    first = _pid(engine)
    _terminate(pg, first)
    clock.now += 1
    with pytest.raises(OperationalError) as raised:
        _pid(engine)
    assert raised.value.connection_invalidated
    assert _pid(engine) != first
    assert pings == []


def test_zero_pings_at_every_checkout(pg: str) -> None:
    engine = make_engine(Settings(database_url=pg, environment="test", db_ping_idle_seconds=0), pool_size=1)
    try:
        first = _pid(engine)
        _terminate(pg, first)
        assert _pid(engine) != first  # checked at once, even without any idle time
    finally:
        engine.dispose()
