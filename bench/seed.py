"""Seeding throughput, each figure beside a baseline measured in the same run:

- **fast**: ``seed.loader.seed_exercise`` with the ``load`` scenario on PostgreSQL (``--reports``, one transaction,
  COPY), in a fresh process: wall time, reports/s, the process's peak memory, and where the time went (intake's
  store, which every submitted report takes; waiting for the generator; the rest);
- **naive**: the same kind of reports made the way a first version would (``--baseline``): Faker called through
  its proxy for every field, each report validated and prepared as a POST is, ORM objects added with ``add_all``,
  Section B looked up per report, events appended one by one; then the ratio of the two rates;
- **memory**: the fast path's peak memory in fresh processes at each size of ``--memory``, with the fast run's
  generator processes at every size (flat as N grows);
- **SQLite**: the fast path at ``--sqlite-reports`` on a file database, then ``verify-safe`` over it (0 findings
  expected), then a few real-looking values injected (each must be found).

    python bench/seed.py --reports 1000000 --baseline 10000 --memory 10000,100000 --sqlite-reports 100000

A fresh PostgreSQL database is made at ``TIPDESK_BENCH_PG_ADMIN_URL`` (default: local, user postgres) and dropped
afterwards; the SQLite file lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.auth.models import GlobalRole  # noqa: E402
from app.auth.principal import Principal  # noqa: E402
from app.auth.schemas import UserCreate  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.db import ops  # noqa: E402
from app.db.session import Database  # noqa: E402
from app.exercises import service as exercises_service  # noqa: E402
from app.exercises.models import Exercise  # noqa: E402
from app.exercises.schemas import ExerciseCreate  # noqa: E402
from app.reports.models import Report  # noqa: E402
from seed import scenarios  # noqa: E402
from seed.loader import default_workers, seed_exercise  # noqa: E402
from seed.verify import verify_exercise  # noqa: E402

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}


@contextmanager
def _postgres() -> Iterator[str]:
    name = f"tipdesk_bench_seed_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _database(url: str) -> Database:
    return Database(Settings(database_url=url, environment="test", secret_key="bench-" * 8))


def _exercise(url: str) -> uuid.UUID:
    db = _database(url)
    try:
        with db.session_factory.begin() as s:
            owner = auth_service.create_user(
                s,
                principal=None,
                data=UserCreate(
                    username=f"bench{uuid.uuid4().hex[:8]}",
                    password="bench-password",
                    display_name="Bench",
                    role=GlobalRole.instructor,
                ),
            )
            data = ExerciseCreate.model_validate({"name": "bench", "clock": CLOCK})
            return exercises_service.create_exercise(s, data=data, principal=Principal(owner, None)).id
    finally:
        db.dispose()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_fast(url: str, exercise_id: str, reports: int, workers: int) -> dict[str, Any]:
    db = _database(url)
    try:
        start = time.perf_counter()
        with db.session_factory.begin() as s:
            exercise = s.get(Exercise, uuid.UUID(exercise_id))
            assert exercise is not None
            summary = seed_exercise(
                s,
                exercise=exercise,
                scenario=scenarios.load("load"),
                reports=reports,
                seed=1,
                actor="system",
                workers=workers if workers >= 0 else default_workers(reports),
            )
        elapsed = time.perf_counter() - start  # commit included
        return {
            "reports": summary.reports,
            "files": summary.files,
            "seconds": elapsed,
            "store_seconds": summary.store_seconds,
            "waiting_seconds": summary.waiting_seconds,
            "peak_mb": _peak_mb(),
        }
    finally:
        db.dispose()


def child_naive(url: str, exercise_id: str, reports: int) -> dict[str, Any]:
    from bench.seed_naive import seed_naively

    db = _database(url)
    try:
        start = time.perf_counter()
        with db.session_factory.begin() as s:
            exercise = s.get(Exercise, uuid.UUID(exercise_id))
            assert exercise is not None
            seed_naively(s, exercise=exercise, reports=reports)
        return {"reports": reports, "seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}
    finally:
        db.dispose()


def child_verify(url: str, exercise_id: str) -> dict[str, Any]:
    """verify-safe over the exercise, then again with real-looking values written into five reports."""
    db = _database(url)
    eid = uuid.UUID(exercise_id)
    try:
        start = time.perf_counter()
        with db.read_session_factory() as s:
            clean = list(verify_exercise(s, exercise_id=eid))
        seconds = time.perf_counter() - start
        injected = set()
        with db.session_factory.begin() as s:
            for report in s.scalars(select(Report).where(Report.exercise_id == eid).order_by(Report.number).limit(5)):
                document = json.loads(json.dumps(report.document))
                document["reporter"]["legalURL"] = "https://www.google.com/legal"
                document["additionalInfo"] = "free text is not an identifier: someone@gmail.com"
                document["reporter"]["reportingPerson"]["email"] = [{"value": "someone@gmail.com"}]
                report.document = document
                injected |= {
                    (report.number, "/reporter/legalURL"),
                    (report.number, "/reporter/reportingPerson/email/0/value"),
                }
        with db.read_session_factory() as s:
            found = {(o.report_number, o.pointer) for o in verify_exercise(s, exercise_id=eid)}
        return {
            "findings": len(clean),
            "seconds": seconds,
            "injected": len(injected),
            "found": len(found & injected),
            "extra": len(found - injected),
        }
    finally:
        db.dispose()


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(  # a fresh process per measurement: its peak memory is its own
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"the {args[0]} measurement failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _rate(r: dict[str, Any]) -> float:
    return float(r["reports"]) / float(r["seconds"])


def _line(label: str, r: dict[str, Any], extra: str = "") -> str:
    peak = f", peak {r['peak_mb']:,.0f} MB" if "peak_mb" in r else ""
    return f"{label:<18}{r['reports']:>10,} reports {r['seconds']:8.1f} s {_rate(r):8,.0f} reports/s{peak}{extra}"


def _split(r: dict[str, Any]) -> str:
    """Where the fast path's time went: intake's store (shared with every submitted report), waiting for the
    generator, and the rest (answer keys, statistics, setup, commit)."""
    total, store, wait = float(r["seconds"]), float(r["store_seconds"]), float(r["waiting_seconds"])
    rest = total - store - wait
    parts = ", ".join(
        f"{name} {s:.1f} s ({s / total:.0%})"
        for name, s in (("intake store", store), ("waiting for generator", wait), ("rest", rest))
    )
    ceiling = float(r["reports"]) / store if store > 0 else 0.0
    return f"{'':<18}{parts}; intake's store alone allows at most {ceiling:,.0f} reports/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--memory", default="10000,100000", help="comma-separated sizes for the memory check")
    parser.add_argument("--sqlite-reports", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=-1, help="generator processes for the fast path (default: as `tipdesk seed`)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, eid, *rest = args.child
        result = (
            child_fast(url, eid, int(rest[0]), int(rest[1]))
            if kind == "fast"
            else child_naive(url, eid, int(rest[0]))
            if kind == "naive"
            else child_verify(url, eid)
        )
        print(json.dumps(result))
        return
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with _postgres() as url:
        ops.upgrade(url, "head")
        naive = _child("naive", url, str(_exercise(url)), str(args.baseline))
        print(_line("PostgreSQL naive", naive))
        fast = _child("fast", url, str(_exercise(url)), str(args.reports), str(args.workers))
        ratio = _rate(fast) / _rate(naive)
        print(_line("PostgreSQL fast", fast, f"; {fast['files']:,} files; {ratio:.1f}x the naive rate"))
        print(_split(fast))
        workers = args.workers if args.workers >= 0 else default_workers(args.reports)  # one way for every size
        for size in [int(s) for s in args.memory.split(",") if s]:
            print(
                _line(
                    "memory", _child("fast", url, str(_exercise(url)), str(size), str(workers)), f"; {workers} workers"
                )
            )
    if args.sqlite_reports:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            ops.upgrade(url, "head")
            eid = str(_exercise(url))
            print(_line("SQLite fast", _child("fast", url, eid, str(args.sqlite_reports), str(args.workers))))
            v = _child("verify", url, eid)
            head = f"{'verify-safe':<18}{args.sqlite_reports:>10,} reports {v['seconds']:8.1f} s"
            print(
                f"{head}: {v['findings']} findings; {v['injected']} injected, {v['found']} found ({v['extra']} other)"
            )


if __name__ == "__main__":
    main()
