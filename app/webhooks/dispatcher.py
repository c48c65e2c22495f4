"""The webhook dispatcher: an asyncio worker that delivers the event log to registered endpoints.

It runs as a task inside each API process (``tipdesk serve``'s lifespan) or on its own (``tipdesk webhooks run``);
any number may run against one database. Database work runs in threads, one short transaction per step, and HTTP
runs on the event loop with timeouts, so a slow or dead receiver holds neither a request nor a database lock: it only
occupies one of the dispatcher's ``webhook_concurrency`` slots until its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import httpx
from sqlalchemy.orm import Session

from app import __version__
from app.core.clock import wall
from app.core.config import Settings
from app.core.errors import NotMigrated
from app.db import registry  # noqa: F401 - every model, so foreign keys resolve in a process of its own
from app.db.session import Database
from app.webhooks import service, signing, urls

log = logging.getLogger("tipdesk.webhooks")

T = TypeVar("T")
BATCH = 100  # deliveries to one endpoint before its lease is given back (fairness between endpoints)
RESPONSE_SNIPPET_BYTES = 300


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(
        self,
        database: Database,
        settings: Settings | None = None,
        *,
        worker: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.settings = settings or database.settings
        self.worker = worker or worker_name()
        self.transport = transport
        self.rng = rng
        self.attempts = 0  # HTTP requests made (for logs and tests)
        self._stop = asyncio.Event()

    # --- running ---------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; a failed round (database away) is logged and retried after a poll interval."""
        self._stop.clear()
        warned = False
        async with self._client() as client:
            while not self._stop.is_set():
                try:
                    await asyncio.to_thread(self.database.ensure_migrated)
                    worked = await self.tick(client)
                except NotMigrated:
                    if not warned:
                        log.warning("webhook dispatcher waiting: the database is not migrated")
                        warned = True
                    await self._idle(self.settings.webhook_poll_interval_seconds * 5)
                    continue
                except Exception:
                    log.exception("webhook dispatch round failed")
                    await self._idle(self.settings.webhook_poll_interval_seconds * 5)
                    continue
                if not worked:
                    await self._idle()

    async def run_until_idle(self, *, timeout: float = 60.0) -> int:
        """Deliver until nothing is due (retries scheduled later count as nothing due); returns attempts made."""
        before = self.attempts
        deadline = time.monotonic() + timeout
        async with self._client() as client:
            while time.monotonic() < deadline:
                if not await self.tick(client):
                    return self.attempts - before
        raise TimeoutError("webhook deliveries still due after the timeout")

    async def _idle(self, delay: float | None = None) -> None:
        if delay is None:
            delay = self.settings.webhook_poll_interval_seconds
            due = await self._db(lambda s: service.next_due(s))
            if due is not None:
                delay = min(delay, max(0.0, (due - wall.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=delay)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.webhook_timeout_seconds),
            follow_redirects=False,
            trust_env=False,  # no proxies from the environment: requests go where the URL check said
            transport=self.transport,
            limits=httpx.Limits(max_connections=self.settings.webhook_concurrency * 2),
            headers={"User-Agent": f"tipdesk-webhooks/{__version__}"},
        )

    async def _db(self, work: Callable[..., T], *, write: bool = False) -> T:
        def run() -> T:
            factory = self.database.session_factory if write else self.database.read_session_factory
            with factory.begin() as session:
                return work(session)

        return await asyncio.to_thread(run)

    # --- one round -------------------------------------------------------------------------------------------------

    async def tick(self, client: httpx.AsyncClient) -> bool:
        """Lease the endpoints with work due and serve them concurrently; False when none had work."""
        now = wall.now()
        if not await self._db(lambda s: service.has_work(s, now=now)):
            return False
        ids = await self._db(
            lambda s: service.claim(
                s,
                worker=self.worker,
                now=now,
                lease_seconds=self.settings.webhook_lease_seconds,
                limit=self.settings.webhook_concurrency,
            ),
            write=True,
        )
        if not ids:
            return False
        await asyncio.gather(*(self._serve(client, endpoint_id) for endpoint_id in ids))
        return True

    async def _serve(self, client: httpx.AsyncClient, endpoint_id: uuid.UUID) -> None:
        """Deliver to one endpoint, one request at a time; recording an outcome and taking the next request share
        one transaction."""

        def take(session: Session) -> service.Attempt | str | None:
            return service.next_attempt(
                session,
                endpoint_id=endpoint_id,
                worker=self.worker,
                now=wall.now(),
                lease_seconds=self.settings.webhook_lease_seconds,
            )

        def record_and_take(
            session: Session, attempt: service.Attempt, outcome: service.Outcome, more: bool
        ) -> service.Attempt | str | None:
            go_on = service.record(
                session,
                attempt=attempt,
                outcome=outcome,
                worker=self.worker,
                now=wall.now(),
                settings=self.settings,
                rng=self.rng,
            )
            return take(session) if go_on and more and not self._stop.is_set() else None

        try:
            step = await self._db(take, write=True)
            for sent in range(1, BATCH + 1):
                while isinstance(step, str):  # skipped a long run of events: go on
                    step = await self._db(take, write=True)
                if step is None:
                    break
                outcome = await self.post(client, step)
                step = await self._db(
                    lambda s, a=step, o=outcome, more=sent < BATCH: record_and_take(s, a, o, more), write=True
                )
        except Exception:
            log.exception("webhook %s: dispatch failed", endpoint_id)
        finally:
            with contextlib.suppress(Exception):
                await self._db(
                    lambda s: service.release(s, endpoint_ids=[endpoint_id], worker=self.worker, now=wall.now()),
                    write=True,
                )

    async def post(self, client: httpx.AsyncClient, attempt: service.Attempt) -> service.Outcome:
        """Make one signed request; never raises for network trouble (it is the outcome)."""
        self.attempts += 1
        started = wall.now()
        t0 = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            await urls.check_async(attempt.url, self.settings)
            timestamp = int(wall.now().timestamp())
            headers = {
                "Content-Type": "application/json",
                "Tipdesk-Delivery": str(attempt.delivery_id),
                "Tipdesk-Event": attempt.event_type,
                "Tipdesk-Seq": str(attempt.event_seq),
                "Tipdesk-Attempt": str(attempt.number),
                signing.SIGNATURE_HEADER: signing.header(attempt.secret, timestamp, attempt.body),
            }
            async with client.stream("POST", attempt.url, content=attempt.body, headers=headers) as response:
                status_code = response.status_code
                if not 200 <= status_code < 300:
                    snippet = b""
                    async for chunk in response.aiter_bytes():
                        snippet += chunk
                        if len(snippet) >= RESPONSE_SNIPPET_BYTES:
                            break
                    text = snippet[:RESPONSE_SNIPPET_BYTES].decode("utf-8", "replace").strip()
                    error = f"HTTP {status_code}" + (f": {text}" if text else "")
        except urls.UrlRefused as exc:
            error = f"not sent: {exc}"
        except httpx.TimeoutException as exc:
            error = f"timeout ({type(exc).__name__}) after {self.settings.webhook_timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = round((time.perf_counter() - t0) * 1000)
        return service.Outcome(
            started_at=started,
            duration_ms=duration_ms,
            status_code=status_code,
            error=service.clip(error) if error else None,
        )


@contextlib.asynccontextmanager
async def running(database: Database, settings: Settings | None = None) -> AsyncIterator[Dispatcher]:
    """Run a dispatcher in the background for the duration of the block (the API's lifespan)."""
    dispatcher = Dispatcher(database, settings)
    task = asyncio.create_task(dispatcher.run(), name="tipdesk-webhooks")
    try:
        yield dispatcher
    finally:
        dispatcher.stop()
        try:
            await asyncio.wait_for(task, timeout=(settings or database.settings).webhook_timeout_seconds + 5)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
