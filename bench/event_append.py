"""Event-log append throughput: the hash-chained ``events_service.append`` against a plain INSERT of the same rows
(no head-row lock, no hash) in the same run, on the database given by TIPDESK_DATABASE_URL (migrated first).

    python bench/event_append.py --events 2000 --threads 1 8 --repeat 3

Prints, per thread count, the median events/s of each variant over the repeats and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import delete, insert

from app.auth import service as auth_service
from app.auth.models import GlobalRole, User
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.clock import wall
from app.core.config import get_settings
from app.db import ops
from app.db.session import Database
from app.events import service as events_service
from app.events.models import Event
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate


def _setup(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
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
        return ex.id, user.id


def _chained(db: Database, exercise_id: uuid.UUID, seq_base: list[int]) -> Callable[[int], None]:
    def one(i: int) -> None:
        with db.session_factory.begin() as s:
            events_service.append(
                s,
                exercise_id=exercise_id,
                at=wall.now(),
                actor="bench",
                type="bench.tick",
                subject_type="exercise",
                subject_id=None,
                data={"i": i},
            )

    return one


def _plain(db: Database, exercise_id: uuid.UUID, seq_base: list[int]) -> Callable[[int], None]:
    lock = threading.Lock()

    def one(i: int) -> None:
        with lock:  # a unique seq without the head row: the cheapest correct alternative in-process
            seq_base[0] += 1
            seq = seq_base[0]
        with db.session_factory.begin() as s:
            now = wall.now()
            s.execute(
                insert(Event).values(
                    exercise_id=exercise_id,
                    seq=seq,
                    at=now,
                    recorded_at=now,
                    actor="bench",
                    type="bench.tick",
                    subject_type="exercise",
                    subject_id=None,
                    data={"i": i},
                    prev_hash="-",
                    hash="-",
                )
            )

    return one


def _run(fn: Callable[[int], None], events: int, threads: int) -> float:
    per = events // threads

    def worker(n: int) -> None:
        for i in range(per):
            fn(n * per + i)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return per * threads / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = get_settings()
    ops.upgrade(settings.database_url, "head")
    db = Database(settings)
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}  events/run: {args.events}")
    print(f"{'threads':>7}  {'plain insert ev/s':>18}  {'chained append ev/s':>20}  {'chained/plain':>13}")
    for threads in args.threads:
        plain_rates, chained_rates = [], []
        for _ in range(args.repeat):
            ex_plain, user_a = _setup(db)
            plain_rates.append(_run(_plain(db, ex_plain, [10_000_000]), args.events, threads))
            ex_chain, user_b = _setup(db)
            chained_rates.append(_run(_chained(db, ex_chain, [0]), args.events, threads))
            with db.session_factory.begin() as s:
                s.execute(delete(Exercise).where(Exercise.id.in_([ex_plain, ex_chain])))
                s.execute(delete(User).where(User.id.in_([user_a, user_b])))
        p, c = statistics.median(plain_rates), statistics.median(chained_rates)
        print(f"{threads:>7}  {p:>18.0f}  {c:>20.0f}  {c / p:>13.2f}")
    db.dispose()


if __name__ == "__main__":
    main()
