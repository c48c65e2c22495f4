"""Webhook delivery throughput: the dispatcher (event log → cursor → delivery row → signed POST → recorded attempt,
one endpoint's deliveries strictly one after another) against bare signed POSTs of the same bodies to the same
loopback receiver with the same HTTP client settings and no database, in the same run, on the database given by
TIPDESK_DATABASE_URL (migrated first).

    python bench/webhooks.py --events 1000 --endpoints 1 4

Prints, per endpoint count, deliveries/s of each and their ratio (all deliveries of all endpoints / wall time).
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from app.auth import service as auth_service
from app.auth.models import GlobalRole, User
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.clock import wall
from app.core.config import get_settings
from app.db import ops
from app.db.session import Database
from app.events import service as events_service
from app.events.models import EventStream
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from app.webhooks import signing
from app.webhooks.dispatcher import Dispatcher
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _setup(db: Database, url: str, endpoints: int, events: int) -> tuple[uuid.UUID, uuid.UUID]:
    with db.session_factory.begin() as s:
        user = auth_service.create_user(
            s,
            principal=None,
            data=UserCreate(
                username=f"bench{uuid.uuid4().hex[:8]}",
                password="bench-password",
                display_name="Bench",
                role=GlobalRole.instructor,
            ),
        )
        ex = exercises_service.create_exercise(s, data=ExerciseCreate(name="bench"), principal=Principal(user, None))
        now = wall.now()
        for i in range(endpoints):
            s.add(
                WebhookEndpoint(
                    exercise_id=ex.id,
                    url=f"{url}/{i}",
                    secret=signing.new_secret(),
                    active=True,
                    last_seq=s.get_one(EventStream, ex.id).last_seq,
                    created_at=now,
                    updated_at=now,
                )
            )
        drafts = [
            events_service.Draft(now, "system", "case.updated", "case", uuid.uuid4(), {"new": [str(i)]})
            for i in range(events)
        ]
        events_service.append_many(s, exercise_id=ex.id, drafts=drafts)
        return ex.id, user.id


async def _bare(url: str, endpoints: int, events: int) -> float:
    secret, body = signing.new_secret(), b'{"version":1,"type":"case.updated","seq":1,"data":{}}' * 4

    async def one_endpoint(client: httpx.AsyncClient, i: int) -> None:
        for _ in range(events):
            t = int(time.time())
            r = await client.post(
                f"{url}/{i}", content=body, headers={signing.SIGNATURE_HEADER: signing.header(secret, t, body)}
            )
            assert r.status_code == 204

    async with httpx.AsyncClient(timeout=10, trust_env=False, follow_redirects=False) as client:
        start = time.perf_counter()
        await asyncio.gather(*(one_endpoint(client, i) for i in range(endpoints)))
        return endpoints * events / (time.perf_counter() - start)


def _dispatched(db: Database, exercise_id: uuid.UUID) -> int:
    with db.read_session_factory() as s:
        return (
            s.scalar(
                select(func.count()).where(
                    WebhookDelivery.exercise_id == exercise_id, WebhookDelivery.status == DeliveryStatus.succeeded
                )
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    settings = get_settings().model_copy(update={"webhook_poll_interval_seconds": 0.05})
    ops.upgrade(settings.database_url, "head")
    db = Database(settings)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}  events/endpoint: {args.events}")
    print(f"{'endpoints':>9}  {'bare POST/s':>12}  {'dispatcher deliveries/s':>24}  {'dispatcher/bare':>15}")
    for endpoints in args.endpoints:
        bare = asyncio.run(_bare(url, endpoints, args.events))
        exercise_id, user_id = _setup(db, url, endpoints, args.events)
        try:
            start = time.perf_counter()
            asyncio.run(Dispatcher(db, settings).run_until_idle(timeout=3600))
            rate = _dispatched(db, exercise_id) / (time.perf_counter() - start)
            assert _dispatched(db, exercise_id) == endpoints * args.events
        finally:
            with db.session_factory.begin() as s:
                s.execute(delete(Exercise).where(Exercise.id == exercise_id))
                s.execute(delete(User).where(User.id == user_id))
        print(f"{endpoints:>9}  {bare:>12.0f}  {rate:>24.0f}  {rate / bare:>15.2f}")
    server.shutdown()
    db.dispose()


if __name__ == "__main__":
    main()
