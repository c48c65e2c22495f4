"""Engines, sessions and the per-request session dependency.

One session per request, committed once when the endpoint returns and rolled back on any error; services only
flush. (One exception: grouped report intake, ``app.reports.grouped``, commits a group of reports in the session of
the request that stores it, before any of the group's requests is answered.) On SQLite, writes open
``BEGIN IMMEDIATE`` transactions (so concurrent writers queue on the busy timeout instead of failing on lock
upgrade) while reads use deferred transactions on a separate engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.core.config import Settings
from app.db import migrations
from app.db.liveness import ping_after_idle

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(settings: Settings, *, immediate: bool = True, **kw: Any) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kw)
        _configure_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms, immediate=immediate)
        return engine
    kw.setdefault("pool_size", settings.db_pool_size)
    engine = create_engine(url, **kw)
    ping_after_idle(engine, after_seconds=settings.db_ping_idle_seconds)
    return engine


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control away from pysqlite so BEGIN, SAVEPOINT and DDL behave as documented
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engines and session factories of one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings, immediate=True)
        self.read_engine = make_engine(settings, immediate=False) if settings.is_sqlite else self.engine
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session_factory = sessionmaker(self.read_engine, expire_on_commit=False)
        self._schema_ready = False

    @property
    def schema_ready(self) -> bool:
        return self._schema_ready

    def ensure_migrated(self) -> None:
        """Raise :class:`NotMigrated` until the schema is at the migrations' head (cached once it is)."""
        if self._schema_ready:
            return
        with self.read_engine.connect() as conn:
            current = migrations.current_revision(conn)
        migrations.raise_unless_head(current)
        self._schema_ready = True

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session. A session touches the database only when first used, so it is made on the event loop;
    its commit (or rollback) and close run in a worker thread, as the endpoint's own work does."""
    db = get_database(request)
    if not db.schema_ready:
        await run_in_threadpool(db.ensure_migrated)
    factory = db.read_session_factory if request.method in READ_METHODS else db.session_factory
    session = factory()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still gives its connection back
            await run_in_threadpool(_rollback_and_close, session)
        raise
    if not session.in_transaction():  # nothing to commit and no connection held: closing touches no database
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


async def get_session_factory(request: Request) -> Callable[[], Session]:
    """New write sessions, for endpoints that commit in several steps (streamed bulk intake)."""
    return get_database(request).session_factory


SessionFactoryDep = Annotated[Callable[[], Session], Depends(get_session_factory)]
