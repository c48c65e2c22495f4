"""Statistics latency at scale on PostgreSQL: every ``/stats/`` endpoint, measured through ``app.stats.service``
(the code the API runs, without HTTP), beside a baseline: a bare ``SELECT count(*)`` of the exercise's cases.

The script creates its own database on the server given by TIPDESK_BENCH_PG_ADMIN_URL (default: the local server as
user postgres), migrates it, bulk-loads the cases (with milestones, SLA breaches, tags, assignees, and the facts
``app.stats.facts`` keeps, as the application sets them), one report per case (a few bundles of two), deconfliction
records for 4% of the cases (pairs, both ways) and the hold events of the cases that were held, all with COPY (not
through the API), runs each endpoint ``--runs`` times as a national analyst (who sees every case), prints p50/p95 in
milliseconds, and drops the database (unless --keep). It is CPU-heavy: run it under ``nice``.

    nice python bench/stats.py --cases 1000000 --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.auth.models import ExerciseRole, GlobalRole  # noqa: E402
from app.auth.principal import ExerciseContext, Principal  # noqa: E402
from app.auth.schemas import UserCreate  # noqa: E402
from app.cases.models import NO_PRIORITY_RANK, PRIORITY_RANK, Case, Priority  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.db import ops  # noqa: E402
from app.db.session import Database  # noqa: E402
from app.exercises import service as exercises_service  # noqa: E402
from app.exercises.schemas import ExerciseCreate  # noqa: E402
from app.stats import facts, service  # noqa: E402
from app.stats.queries import StatsFilter  # noqa: E402
from app.stats.schemas import Dimension, DurationMetric, Interval, TimeMetric  # noqa: E402
from app.units import service as units_service  # noqa: E402

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
STATUSES = (("new", 10), ("triaged", 15), ("assigned", 12), ("investigating", 15), ("on_hold", 3), ("closed", 40),
            ("referred", 5))  # fmt: skip
PROVINCES = ("ID-JK", "ID-JB", "ID-JT", "ID-JI", "ID-BA", "ID-SU")
PRIORITIES = ((None, 10), ("E", 5), ("1", 20), ("2", 35), ("3", 30))
ESPS = ("Contoh Social", "Contoh Mail", "Contoh Video", "Contoh Chat")
INCIDENT_TYPES = ("Child Pornography (possession, manufacture, and distribution)", "Online Enticement of Children for "
                  "Sexual Acts", "Child Sex Trafficking", "Unsolicited Obscene Material Sent to a Child")  # fmt: skip
DECONFLICTION_COLUMNS = ("id", "exercise_id", "case_id", "other_id", "kind", "scope", "value", "value_hash",
                         "created_at")  # fmt: skip
CASE_COLUMNS = (
    "id", "exercise_id", "number", "status", "priority", "priority_rank", "classification", "urgent", "incident_type",
    "province", "unit_id", "assignee_id", "tags", "notes", "version", "created_at", "updated_at", "triaged_at",
    "assigned_at", "first_action_at", "closed_at", "disposition", "triage_due_at", "action_due_at", "sla_due_at",
    "sla_warn_at", "sla_paused_seconds", "triage_breached_at", "action_breached_at", "report_count", "esp_key",
    "link_count", "deconflicted", "held_us", "triage_us", "assign_us", "first_action_us", "close_us",
)  # fmt: skip
REPORT_COLUMNS = ("id", "exercise_id", "number", "case_id", "source", "request_hash", "received_at", "recorded_at",
                  "document", "incident_type", "annotations", "esp_name", "classification", "urgent", "flags", "notes",
                  "batched", "file_count", "section_b", "location_source")  # fmt: skip
EVENT_COLUMNS = ("exercise_id", "seq", "at", "recorded_at", "actor", "type", "subject_type", "subject_id", "data",
                 "prev_hash", "hash")  # fmt: skip
START = datetime(2025, 1, 1, tzinfo=UTC)
STEP = timedelta(seconds=30)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _setup(db: Database) -> tuple[ExerciseContext, list[uuid.UUID], list[uuid.UUID]]:
    """An exercise with a national unit, 36 regional units of 10 district units each, 200 investigators and a
    national analyst (who sees every case)."""
    session = Session(db.engine, expire_on_commit=False)
    owner = auth_service.create_user(
        session,
        principal=None,
        data=UserCreate(username="bench.owner", password="bench-password", display_name="Bench", role=GlobalRole.admin),
    )
    analyst = auth_service.create_user(
        session, principal=None, data=UserCreate(username="bench.analyst", password="bench-password", display_name="A")
    )
    exercise = exercises_service.create_exercise(
        session, data=ExerciseCreate(name="bench"), principal=Principal(owner, None)
    )
    at = exercise.created_at
    top = units_service.create_unit(session, exercise_id=exercise.id, code="NAT", name="National", kind="d", now=at)
    units: list[uuid.UUID] = []
    for r in range(36):
        region = units_service.create_unit(
            session, exercise_id=exercise.id, code=f"R{r}", name=f"Region {r}", kind="r", now=at, parent_id=top.id
        )
        units.append(region.id)
        for d in range(10):
            units.append(
                units_service.create_unit(
                    session, exercise_id=exercise.id, code=f"R{r}-D{d}", name=f"D {d}", kind="d", now=at,
                    parent_id=region.id,
                ).id
            )  # fmt: skip
    investigators = []
    for i in range(200):
        user = auth_service.create_user(
            session,
            principal=None,
            data=UserCreate(username=f"bench.inv{i}", password="bench-password", display_name=f"Investigator {i}"),
        )
        investigators.append(user.id)
    membership = auth_service.add_member(
        session, exercise=exercise, user=analyst, role=ExerciseRole.analyst, unit_id=None, actor="bench", at=at
    )
    session.commit()
    return ExerciseContext(exercise, Principal(analyst, None), membership), units, investigators


def _load(
    db: Database, exercise_id: uuid.UUID, units: list[uuid.UUID], investigators: list[uuid.UUID], count: int
) -> tuple[float, int, int]:
    rng = random.Random(20260302)
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    holds: list[tuple[uuid.UUID, datetime, float]] = []
    reports = 0
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        case_rows: list[tuple[uuid.UUID, datetime, str, str, str]] = []
        with cursor.copy(f'COPY "case" ({", ".join(CASE_COLUMNS)}) FROM STDIN') as copy:
            for number in range(1, count + 1):
                created = START + number * STEP
                status = _pick(rng, STATUSES)
                priority = _pick(rng, PRIORITIES)
                t = created
                triaged = assigned = first_action = closed = None
                held = 0.0
                if status != "new":
                    t = triaged = t + timedelta(seconds=rng.randint(300, 36_000))
                if status in ("assigned", "investigating", "closed", "referred") and rng.random() < 0.9:
                    if rng.random() < 0.03:
                        held = float(rng.randint(600, 20_000))
                        t += timedelta(seconds=held)
                        holds.append((uuid.UUID(int=0), t, held))  # the case id is filled in below
                    t = assigned = t + timedelta(seconds=rng.randint(600, 86_400))
                if status in ("investigating", "closed", "referred"):
                    t = first_action = t + timedelta(seconds=rng.randint(600, 172_800))
                if status in ("closed", "referred"):
                    t = closed = t + timedelta(seconds=rng.randint(3_600, 30 * 86_400))
                case_id = uuid.uuid4()
                if held:
                    holds[-1] = (case_id, holds[-1][1], held)
                triage_due = created + timedelta(hours=24) + timedelta(seconds=held)
                action_due = triage_due + timedelta(hours=48)
                open_clock = status not in ("closed", "referred", "on_hold")
                unit = rng.choice(units) if status != "new" else None
                esp, reports_here = rng.choice(ESPS), 2 if rng.random() < 0.05 else 1
                held_us = round(held * 1_000_000)  # the facts intake and the lifecycle keep (app.stats.facts)
                kept = (
                    reports_here,
                    facts.esp_key([esp]),
                    0,
                    (number - 1) % 50 == 1 or ((number - 1) % 50 == 0 and number < count),  # deconflicted: pairs below
                    held_us,
                    *(
                        None if at is None else facts.micros(created, at) - (held_us if less_held else 0)
                        for at, less_held in ((triaged, False), (assigned, True), (first_action, True), (closed, True))
                    ),
                )
                copy.write_row((
                    case_id, exercise_id, number, status, priority,
                    PRIORITY_RANK[Priority(priority)] if priority else NO_PRIORITY_RANK,
                    rng.choice(("referral", "informational")), priority == "E", rng.choice(INCIDENT_TYPES),
                    rng.choice(PROVINCES), unit,
                    rng.choice(investigators) if assigned and status != "closed" else None,
                    '["viral"]' if rng.random() < 0.05 else "[]", "[]", 1, created, t, triaged, assigned,
                    first_action, closed, ("referred_out" if status == "referred" else "unfounded") if closed else None,
                    triage_due, action_due, triage_due if open_clock and triaged is None else None,
                    triage_due - timedelta(hours=6) if open_clock and triaged is None else None, held,
                    triage_due if triaged is not None and triaged > triage_due else None,
                    action_due if first_action is not None and first_action > action_due else None, *kept,
                ))  # fmt: skip
                case_rows.append((case_id, created, rng.choice(INCIDENT_TYPES), esp, reports_here))
        with cursor.copy(f"COPY report ({', '.join(REPORT_COLUMNS)}) FROM STDIN") as copy:
            for case_id, created, incident, esp, reports_here in case_rows:
                for _ in range(reports_here):
                    reports += 1
                    copy.write_row((
                        uuid.uuid4(), exercise_id, reports, case_id, "seed", "0" * 64, created, created, "{}",
                        incident, "[]", esp, "referral", False, "[]", "[]", False, 0, "{}", "unresolved",
                    ))  # fmt: skip
        with cursor.copy(f"COPY case_deconfliction ({', '.join(DECONFLICTION_COLUMNS)}) FROM STDIN") as copy:
            for i in range(0, len(case_rows) - 1, 50):  # 4% of cases share an indicator with another unit's case
                (a, at, *_), (b, *_) = case_rows[i], case_rows[i + 1]
                value = f"subject{i}@example.com"
                for case_id, other_id in ((a, b), (b, a)):
                    copy.write_row((uuid.uuid4(), exercise_id, case_id, other_id, "email", "", value,
                                    f"{i:064d}", at))  # fmt: skip
        with cursor.copy(f"COPY event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for seq, (case_id, at, held) in enumerate(holds, start=1_000_000):
                data = {"from": "on_hold", "to": "triaged", "held_seconds": held}
                copy.write_row((exercise_id, seq, at, at, "bench", "case.transitioned", "case", str(case_id),
                                json.dumps(data), "0" * 64, "0" * 64))  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # as autovacuum would: statistics and the visibility map
        for table in ("case", "report", "case_deconfliction", "event"):
            conn.execute(text(f'VACUUM ANALYZE "{table}"'))
    return time.perf_counter() - started, reports, len(holds)


def _existing(db: Database) -> tuple[ExerciseContext, list[uuid.UUID]]:
    from app.auth.models import Membership, User
    from app.exercises.models import Exercise
    from app.units.models import Unit

    session = Session(db.engine, expire_on_commit=False)
    exercise = session.scalars(select(Exercise)).one()
    analyst = session.scalars(select(User).where(User.username == "bench.analyst")).one()
    membership = session.scalars(select(Membership).where(Membership.user_id == analyst.id)).one()
    regions = session.scalars(select(Unit.id).where(Unit.code.like("R%"), ~Unit.code.like("%-%")).order_by(Unit.code))
    return ExerciseContext(exercise, Principal(analyst, None), membership), list(regions)


def _count(db: Database, ctx: ExerciseContext) -> int:
    with Session(db.engine) as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.exercise_id == ctx.exercise.id)) or 0


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", metavar="DATABASE", help="Measure again a database kept by an earlier --keep run.")
    args = parser.parse_args()
    name = args.reuse or f"tipdesk_bench_stats_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(Settings(database_url=url, secret_key="bench-" + "x" * 40))
    try:
        ops.upgrade(url, "head")
        if args.reuse:
            ctx, units = _existing(db)
            args.cases = _count(db, ctx)
            args.keep = True
            print(f"database: {name} (reused)  cases: {args.cases:,}")
        else:
            ctx, units, investigators = _setup(db)
            seconds, reports, holds = _load(db, ctx.exercise.id, units, investigators, args.cases)
            print(f"database: {name}  cases: {args.cases:,}  reports: {reports:,}  held cases: {holds:,}")
            print(f"(COPY + VACUUM ANALYZE {seconds:.1f} s)")
        everything = StatsFilter()
        region = StatsFilter(unit_id=units[0])
        last = START + args.cases * STEP
        span = (START, last + timedelta(days=1))
        month = (last - timedelta(days=30), last)
        eid = ctx.exercise.id
        with Session(db.engine) as s:
            calls: list[tuple[str, Callable[[], Any]]] = [
                ("baseline: SELECT count(*)", lambda: s.scalar(select(func.count()).select_from(Case).where(
                    Case.exercise_id == eid))),
                ("summary", lambda: service.summary(s, ctx=ctx, filters=everything)),
                ("summary (one region)", lambda: service.summary(s, ctx=ctx, filters=region)),
                ("breakdown by=status,priority", lambda: service.breakdown(
                    s, ctx=ctx, filters=everything, by=[Dimension.status, Dimension.priority])),
                ("breakdown by=unit (roll-up)", lambda: service.breakdown(
                    s, ctx=ctx, filters=everything, by=[Dimension.unit])),
                ("breakdown by=tag", lambda: service.breakdown(s, ctx=ctx, filters=everything, by=[Dimension.tag])),
                ("breakdown by=esp", lambda: service.breakdown(s, ctx=ctx, filters=everything, by=[Dimension.esp])),
                ("timeseries received/day (all)", lambda: service.timeseries(
                    s, ctx=ctx, filters=everything, metric=TimeMetric.received, interval=Interval.day, start=span[0],
                    end=span[1])),
                ("timeseries closed/hour (30 days)", lambda: service.timeseries(
                    s, ctx=ctx, filters=everything, metric=TimeMetric.closed, interval=Interval.hour, start=month[0],
                    end=month[1])),
                ("durations time_to_triage", lambda: service.durations(
                    s, ctx=ctx, filters=everything, metric=DurationMetric.time_to_triage, by=None)),
                ("durations time_to_close by=priority", lambda: service.durations(
                    s, ctx=ctx, filters=everything, metric=DurationMetric.time_to_close, by=Dimension.priority)),
                ("durations time_to_assign (holds)", lambda: service.durations(
                    s, ctx=ctx, filters=everything, metric=DurationMetric.time_to_assign, by=None)),
                ("sla", lambda: service.sla_stats(s, ctx=ctx, filters=everything)),
                ("backlog", lambda: service.backlog(s, ctx=ctx, filters=everything)),
                ("period-report (30 days)", lambda: service.period_report(
                    s, ctx=ctx, filters=everything, start=month[0], end=month[1])),
            ]  # fmt: skip
            print(f"{'endpoint':<40} {'p50 ms':>9} {'p95 ms':>9}")
            for label, fn in calls:
                p50, p95 = _timed(fn, args.runs)
                print(f"{label:<40} {p50:>9.1f} {p95:>9.1f}", flush=True)
                s.rollback()
    finally:
        db.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
