"""Routing dry run (``POST .../rulesets/{id}/simulate``) over ``--reports`` seeded cases on PostgreSQL.

    python bench/simulate.py --reports 100000 --repeat 5

A fresh database is made at ``TIPDESK_BENCH_PG_ADMIN_URL`` (default: local, user postgres) and dropped afterwards.
An exercise on the id-polri template (its default ruleset active) is seeded with the ``load`` scenario through
intake, so every case is routed on intake as usual. A draft is then made from the default ruleset with two changes
(informational reports stay with the national intake; hands-on-abuse reports go to the covering unit rather than the
Polda) and simulated ``--repeat`` times through the service the endpoint calls; the figure is the median wall time,
beside the baseline of simulating the active ruleset itself (nothing moves) and a plain ``SELECT count(*)`` of the
exercise's cases. Each run checks that the move matrix sums to the number of cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.auth.models import GlobalRole, User  # noqa: E402
from app.auth.principal import ExerciseContext, Principal  # noqa: E402
from app.auth.schemas import UserCreate  # noqa: E402
from app.cases.models import Case  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.db import ops  # noqa: E402
from app.db.session import Database  # noqa: E402
from app.exercises import service as exercises_service  # noqa: E402
from app.exercises.models import Exercise  # noqa: E402
from app.exercises.schemas import ExerciseCreate  # noqa: E402
from app.routing import service as routing_service  # noqa: E402
from app.routing.rules import Rule  # noqa: E402
from app.routing.schemas import RulesetCreate  # noqa: E402
from seed import scenarios  # noqa: E402
from seed.loader import seed_exercise  # noqa: E402

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}


@contextmanager
def _postgres() -> Iterator[str]:
    name = f"tipdesk_bench_simulate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _draft_rules() -> list[Rule]:
    default = routing_service.default_ruleset("id-polri")
    assert default is not None
    rules: list[dict[str, Any]] = []
    for rule in default.rules:
        data = rule.model_dump(mode="json", exclude_none=True)
        if data["name"] == "informational-to-review":
            data["actions"][0]["unit"] = "dittipidsiber"
        if data["name"] == "hands-on-abuse-to-polda":
            data["actions"][0]["level"] = "covering"
        rules.append(data)
    return [Rule.model_validate(r) for r in rules]


def _timed(db: Database, ctx_of: Any, ruleset_id: uuid.UUID, repeat: int) -> tuple[list[float], Any]:
    times: list[float] = []
    result = None
    for _ in range(repeat):
        with db.session_factory() as s:
            ctx = ctx_of(s)
            start = time.perf_counter()
            result = routing_service.simulate(s, ctx=ctx, ruleset_id=ruleset_id, where=None)
            times.append(time.perf_counter() - start)
            assert sum(m.count for m in result.moves) == result.cases, "the move matrix must sum to the cases"
            assert sum(n for _u, n in result.by_unit) == result.cases
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with _postgres() as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="bench-" * 8))
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
                exercise_id = exercises_service.create_exercise(s, data=data, principal=Principal(owner, None)).id
                owner_id = owner.id
            start = time.perf_counter()
            with db.session_factory.begin() as s:
                exercise = s.get(Exercise, exercise_id)
                assert exercise is not None
                seed_exercise(
                    s, exercise=exercise, scenario=scenarios.load("load"), reports=args.reports, seed=1, actor="system"
                )
            seeded = time.perf_counter() - start
            with db.session_factory.begin() as s:
                s.execute(text("ANALYZE"))

            def ctx_of(s: Any) -> ExerciseContext:
                exercise = s.get(Exercise, exercise_id)
                user = s.get(User, owner_id)
                membership = auth_service.get_membership(s, exercise_id=exercise_id, user_id=owner_id)
                return ExerciseContext(exercise, Principal(user, None), membership)

            with db.session_factory.begin() as s:
                cases = s.scalar(select(func.count()).select_from(Case).where(Case.exercise_id == exercise_id))
                draft = routing_service.create_draft(
                    s, ctx=ctx_of(s), data=RulesetCreate(name="bench draft", rules=_draft_rules())
                )
                draft_id = draft.id
                active = routing_service.active_ruleset(s, exercise_id=exercise_id)
                assert active is not None
                active_id = active.id
            count_times = []
            for _ in range(args.repeat):
                with db.session_factory() as s:
                    t = time.perf_counter()
                    s.scalar(select(func.count()).select_from(Case).where(Case.exercise_id == exercise_id))
                    count_times.append(time.perf_counter() - t)
            draft_times, draft_result = _timed(db, ctx_of, draft_id, args.repeat)
            same_times, same_result = _timed(db, ctx_of, active_id, args.repeat)
        finally:
            db.dispose()
    print(f"seeded {args.reports} reports ({cases} cases) in {seeded:.1f} s (routed and deconflicted on intake)")
    print(
        f"simulate draft over {draft_result.cases} cases: median {statistics.median(draft_times):.2f} s "
        f"(min {min(draft_times):.2f}, max {max(draft_times):.2f}, {args.repeat} runs); "
        f"{draft_result.moved} would move, {len(draft_result.moves)} (from, to) pairs"
    )
    print(
        f"simulate the active ruleset itself: median {statistics.median(same_times):.2f} s; "
        f"{same_result.moved} would move (expected 0)"
    )
    print(f"baseline SELECT count(*) of the cases: median {statistics.median(count_times) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
