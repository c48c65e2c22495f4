"""Checking a pooled connection before it is used, only when it has sat idle.

SQLAlchemy's ``pool_pre_ping`` pings every connection at every checkout: a round trip per request (about a tenth of
a single report's CPU in the server, measured by ``bench/intake.py``'s single POSTs). A connection given back a
moment ago is as alive as the request that used it, though; the ones worth checking are those that sat in the pool
long enough for the server to restart or a proxy to drop them. So a connection is pinged at checkout only when it
has been idle for ``after_seconds`` or more, and one that fails its ping is replaced before it is handed out, with
every connection made before it (the pool's documented disconnect handling: ``InvalidatePoolError`` raised in
``checkout``, as ``pool_pre_ping`` does). A connection that dies while idle for less than that fails the statement
that uses it: that request (with grouped single submissions, the group stored in it) is answered as the database
being unavailable (503, ``app.core.errors``), and the pool discards every connection made before it, so the next
request gets fresh ones.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event, exc

_IDLE_SINCE = "tipdesk_idle_since"


def _now() -> float:
    return time.monotonic()


def ping_after_idle(engine: Engine, *, after_seconds: float) -> None:
    """Ping each connection at checkout if it was checked in ``after_seconds`` ago or more (0: at every
    checkout)."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = _now()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or _now() - since < after_seconds:
            return  # new, or back in the pool only a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                # the server most likely restarted: every connection made before this one is gone too
                raise exc.InvalidatePoolError(str(error)) from error
            raise
