"""Scoring cost on PostgreSQL: a seeded exercise (the `demo` scenario) whose cases one supervisor has triaged and
assigned by the answer key, then ``GET …/scores`` and ``GET …/debrief`` computed through the code the API runs
(``app.scoring.service.scores``, ``app.scoring.debrief.build``), beside the baseline of only reading what they read
(``app.scoring.facts.load``).

The script creates its own database on the server given by TIPDESK_BENCH_PG_ADMIN_URL (default: the local server as
user postgres), migrates it, seeds, plays the trainee through the case services, runs, prints p50 per call, and
drops the database (unless --keep).

    python bench/scoring.py --reports 10000 --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tipdesk's `seed`, not this folder's seed.py

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole, User
from app.auth.principal import ExerciseContext, Principal
from app.auth.schemas import UserCreate
from app.cases import assignment, triage
from app.cases import service as cases_service
from app.cases.models import CaseStatus
from app.cases.schemas import CaseUpdate
from app.core.clock import ExerciseClock
from app.core.config import Settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.schemas import ExerciseCreate
from app.reports.models import Report
from app.scoring import debrief, facts, service
from app.seeding.models import AnswerKey
from seed import scenarios
from seed.loader import seed_exercise

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RANK = {"E": 0, "1": 1, "2": 2, "3": 3}


def _timed(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _play(session: Session, ctx: ExerciseContext) -> int:
    """Set each case's priority to the key's, triage it and assign it to the expected unit: what a perfect trainee
    does over the API, through the same services."""
    keys: dict[uuid.UUID, list[AnswerKey]] = {}
    rows = session.execute(
        select(Report.case_id, AnswerKey).join(AnswerKey, AnswerKey.report_id == Report.id).order_by(Report.number)
    ).all()
    for case_id, key in rows:
        keys.setdefault(case_id, []).append(key)
    for done, (case_id, mine) in enumerate(keys.items(), 1):
        if done % 200 == 0:
            session.commit()
            session.expunge_all()  # keep the identity map (and each flush's scan of it) small
            session.add_all([ctx.exercise, ctx.principal.user, *([ctx.membership] if ctx.membership else [])])
        case = cases_service.lock(session, ctx=ctx, case_id=case_id)
        at = ctx.now()
        priority = min((k.expected_priority for k in mine), key=RANK.__getitem__)
        triage.apply_update(session, ctx=ctx, case=case, data=CaseUpdate(priority=priority), at=at)
        cases_service.apply_transition(session, ctx=ctx, case=case, target=CaseStatus.triaged, at=at)
        if mine[0].expected_unit_id is not None:
            assignment.assign(session, ctx=ctx, case=case, unit_id=mine[0].expected_unit_id, assignee_id=None, at=at)
    session.commit()
    return len(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    name = f"tipdesk_bench_scoring_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    ops.upgrade(url, "head")
    db = Database(Settings(database_url=url, environment="development"))
    try:
        with Session(db.engine, expire_on_commit=False) as session:
            owner = auth_service.create_user(
                session,
                principal=None,
                data=UserCreate(username="bench.owner", password="bench-password", display_name="Owner",
                                role=GlobalRole.instructor),
            )  # fmt: skip
            trainee = auth_service.create_user(
                session,
                principal=None,
                data=UserCreate(username="bench.trainee", password="bench-password", display_name="Trainee"),
            )
            exercise = exercises_service.create_exercise(
                session,
                data=ExerciseCreate.model_validate({"name": "bench", "clock": {"mode": "simulated", "speed": 1}}),
                principal=Principal(owner, None),
            )
            at = ExerciseClock(exercise.clock_state).now()
            membership = auth_service.add_member(
                session, exercise=exercise, user=trainee, role=ExerciseRole.supervisor, unit_id=None, actor="b", at=at
            )
            started = time.perf_counter()
            seed_exercise(
                session, exercise=exercise, scenario=scenarios.load("demo"), reports=args.reports, seed=1, actor="b"
            )
            session.commit()
            seeded = time.perf_counter() - started
            ctx = ExerciseContext(exercise, Principal(trainee, None), membership)
            started = time.perf_counter()
            played = _play(session, ctx)
            acted = time.perf_counter() - started
            session.execute(text("ANALYZE"))
            session.commit()
            events = session.scalar(text("SELECT count(*) FROM event"))
            exercise_id, owner_id = exercise.id, owner.id
        print(f"reports {args.reports:,}; cases acted on {played:,}; events {events:,}")
        print(f"setup: seeding {seeded:.1f} s, trainee actions through the services {acted:.1f} s")

        def request(work: Callable[[Session, ExerciseContext], Any]) -> Callable[[], Any]:
            """As the API runs it: a fresh session per request, the instructor's context read in it."""

            def run() -> Any:
                with Session(db.engine) as s:
                    found = auth_service.exercise_and_membership(s, exercise_id=exercise_id, user_id=owner_id)
                    assert found is not None
                    user = s.get(User, owner_id)
                    assert user is not None
                    return work(s, ExerciseContext(found[0], Principal(user, None), found[1]))

            return run

        base = _timed(request(lambda s, c: facts.load(s, exercise_id=exercise_id, now=c.now())), args.runs)
        scores = _timed(request(lambda s, c: service.scores(s, ctx=c, explain=False)), args.runs)
        explained = _timed(request(lambda s, c: service.scores(s, ctx=c, explain=True)), args.runs)
        page = _timed(request(lambda s, c: debrief.render_html(debrief.build(s, ctx=c))), args.runs)
        print(f"baseline, reading only (facts.load)  p50 {base:8.1f} ms")
        print(f"GET …/scores                          p50 {scores:8.1f} ms")
        print(f"GET …/scores?explain=true             p50 {explained:8.1f} ms")
        print(f"GET …/debrief (HTML)                  p50 {page:8.1f} ms")
    finally:
        db.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
