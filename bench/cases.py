"""Case list latency at scale on PostgreSQL: a triage queue with three filters (status, priority, unit with the units
below it), one keyset page (the first, and the page after it through its cursor), beside the unfiltered first page
of the same list as the baseline, measured through ``app.cases.queries.list_cases`` (the code the API runs).

The script creates its own database on the server given by TIPDESK_BENCH_PG_ADMIN_URL (default: the local server as
user postgres), migrates it, bulk-loads the cases with COPY (not through the API), runs, prints p50/p95 and the
query plan (EXPLAIN ANALYZE), and drops the database (unless --keep).

    python bench/cases.py --cases 1000000 --runs 200
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import ExerciseContext, Principal
from app.auth.schemas import UserCreate
from app.cases import queries
from app.cases.models import NO_PRIORITY_RANK, PRIORITY_RANK, Case, Priority
from app.cases.queries import CaseFilter, CaseSort
from app.core.config import Settings
from app.core.pagination import PageParams
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.schemas import ExerciseCreate
from app.units import service as units_service

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
STATUSES = (("new", 15), ("triaged", 20), ("assigned", 15), ("investigating", 15), ("on_hold", 5), ("closed", 28),
            ("referred", 2))  # fmt: skip
PROVINCES = ("ID-JK", "ID-JB", "ID-JT", "ID-JI", "ID-BA", "ID-SU")
PRIORITIES = ((None, 10), ("E", 5), ("1", 20), ("2", 35), ("3", 30))
INCIDENT_TYPES = ("Child Pornography (possession, manufacture, and distribution)", "Online Enticement of Children for "
                  "Sexual Acts", "Child Sex Trafficking", "Unsolicited Obscene Material Sent to a Child")  # fmt: skip
COLUMNS = (
    "id", "exercise_id", "number", "status", "priority", "priority_rank", "classification", "urgent", "incident_type",
    "province", "unit_id", "tags", "notes", "version", "created_at", "updated_at", "triaged_at", "triage_due_at",
    "action_due_at", "sla_due_at", "sla_warn_at", "sla_paused_seconds",
)  # fmt: skip


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _setup(db: Database) -> tuple[ExerciseContext, list[uuid.UUID], dict[uuid.UUID, list[uuid.UUID]]]:
    """An exercise with a national unit, 36 regional units of 10 district units each, and a national analyst."""
    session = Session(db.engine, expire_on_commit=False)
    owner = auth_service.create_user(
        session,
        principal=None,
        data=UserCreate(username="bench.owner", password="bench-password", display_name="Bench", role=GlobalRole.admin),
    )
    analyst = auth_service.create_user(
        session,
        principal=None,
        data=UserCreate(username="bench.analyst", password="bench-password", display_name="Analyst"),
    )
    exercise = exercises_service.create_exercise(
        session, data=ExerciseCreate(name="bench"), principal=Principal(owner, None)
    )
    at = exercise.created_at
    top = units_service.create_unit(session, exercise_id=exercise.id, code="NAT", name="National", kind="d", now=at)
    regions: dict[uuid.UUID, list[uuid.UUID]] = {}
    for r in range(36):
        region = units_service.create_unit(
            session, exercise_id=exercise.id, code=f"R{r}", name=f"Region {r}", kind="r", now=at, parent_id=top.id
        )
        regions[region.id] = [
            units_service.create_unit(
                session, exercise_id=exercise.id, code=f"R{r}-D{d}", name=f"District {d}", kind="d", now=at,
                parent_id=region.id,
            ).id
            for d in range(10)
        ]  # fmt: skip
    membership = auth_service.add_member(
        session, exercise=exercise, user=analyst, role=ExerciseRole.analyst, unit_id=None, actor="bench", at=at
    )
    session.commit()
    units = [u for region, districts in regions.items() for u in (region, *districts)]
    return ExerciseContext(exercise, Principal(analyst, None), membership), units, regions


def _load(db: Database, exercise_id: uuid.UUID, units: list[uuid.UUID], count: int) -> float:
    rng = random.Random(20260302)
    start_time = datetime(2025, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "case" ({", ".join(COLUMNS)}) FROM STDIN') as copy:
            for number in range(1, count + 1):
                created = start_time + timedelta(seconds=number * 30)
                status = _pick(rng, STATUSES)
                priority = _pick(rng, PRIORITIES)
                triaged = created + timedelta(minutes=rng.randint(5, 600)) if status != "new" else None
                due = created + timedelta(hours=24)
                open_clock = status not in ("closed", "referred", "on_hold")
                copy.write_row((
                    uuid.uuid4(), exercise_id, number, status, priority,
                    PRIORITY_RANK[Priority(priority)] if priority else NO_PRIORITY_RANK,
                    rng.choice(("referral", "informational")), priority == "E", rng.choice(INCIDENT_TYPES),
                    rng.choice(PROVINCES), rng.choice(units) if status != "new" else None,
                    '["viral"]' if rng.random() < 0.05 else "[]", "[]", 1, created, triaged or created, triaged, due,
                    due + timedelta(hours=48), due if open_clock else None,
                    due - timedelta(hours=6) if open_clock else None, 0.0,
                ))  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect() as conn:
        conn.execute(text('ANALYZE "case"'))
        conn.commit()
    return time.perf_counter() - started


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    name = f"tipdesk_bench_cases_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(Settings(database_url=url, secret_key="bench-" + "x" * 40))
    try:
        ops.upgrade(url, "head")
        ctx, units, regions = _setup(db)
        seconds = _load(db, ctx.exercise.id, units, args.cases)
        region = next(iter(regions))
        filters = CaseFilter(status=("triaged",), priority=("E", "1"), unit_id=region, include_descendants=True)
        params = PageParams(limit=args.limit, cursor=None, with_total=False, secret="bench")
        print(f"database: {name}  cases: {args.cases:,} (COPY + ANALYZE {seconds:.1f} s)  page: {args.limit}")
        print("query: status=triaged & priority in (E, 1) & unit = one region with the 10 districts below it")
        with Session(db.engine) as session:
            first, cursor, _ = queries.list_cases(
                session, ctx=ctx, filters=filters, sort=CaseSort.number, params=params
            )
            after = PageParams(limit=args.limit, cursor=cursor, with_total=False, secret="bench")
            matches = len(queries.list_cases(session, ctx=ctx, filters=filters, sort=CaseSort.number,
                                             params=PageParams(10**7, None, False, "bench"))[0])  # fmt: skip
            rows = [
                ("baseline: no filter, first page", CaseFilter(), params),
                ("3 filters, first page", filters, params),
                ("3 filters, next page (cursor)", filters, after),
            ]
            print(f"matching cases: {matches:,}; first page {len(first)} rows, next_cursor set: {cursor is not None}")
            print(f"{'list':<34} {'p50 ms':>8} {'p95 ms':>8}")
            for label, f, p in rows:

                def run(f: CaseFilter = f, p: PageParams = p) -> None:
                    queries.list_cases(session, ctx=ctx, filters=f, sort=CaseSort.number, params=p)

                p50, p95 = _timed(run, args.runs)
                print(f"{label:<34} {p50:>8.2f} {p95:>8.2f}")
            stmt = (
                select(Case)
                .where(*queries.conditions(session, ctx, filters, now=ctx.now()))
                .order_by(Case.number)
                .limit(args.limit + 1)
            )
            sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars().all()
            print("\nEXPLAIN (ANALYZE, BUFFERS), first page:\n" + "\n".join(plan))
    finally:
        db.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
