"""Loading a scenario into an exercise: generated chunks go through intake's own store (``app.reports.intake``:
enrichment, indicators, cases, events, COPY on PostgreSQL) from each ESP's account, then their answer keys.

Everything happens in the caller's transaction: a run that fails leaves the exercise as it was. Memory stays
bounded: one store batch of reports is held at a time, and at most one more is made ahead of it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole, User
from app.auth.principal import ExerciseContext, Principal
from app.cases.models import Case, Classification
from app.core.clock import ExerciseClock, wall
from app.core.collector import collector_paused
from app.db.bulk import insert_rows
from app.events import service as events_service
from app.exercises.models import Exercise, ExerciseCounter
from app.reports import intake
from app.reports.models import Indicator, Report, ReportFile, ReportSource
from app.seeding.models import AnswerKey
from seed import esps, people
from seed.answers import ExpectedUnits, answer_row
from seed.generator import generate_chunk
from seed.plan import CHUNK, Plan
from seed.records import SeedReport
from seed.scenarios import Scenario

Progress = Callable[[int, int], None]
UNUSABLE_PASSWORD = "!seed-account-no-login"  # noqa: S105 - not a hash: no password ever verifies against it
STORE_BATCH = 5000
AHEAD = STORE_BATCH // CHUNK  # chunks made ahead: the next store batch while this one is stored
COLLECT_EVERY = 8  # store batches between collector passes: a pass walks every young object (the chunks ahead)
T = TypeVar("T")


@dataclass
class Summary:
    scenario: str
    seed: int
    reports: int = 0
    files: int = 0
    first_number: int = 0
    last_number: int = 0
    seconds: float = 0.0
    store_seconds: float = 0.0  # in intake's store (the write path every submitted report takes)
    waiting_seconds: float = 0.0  # waiting for generated chunks
    by_type: Counter[str] = field(default_factory=Counter)
    by_unit: Counter[str] = field(default_factory=Counter)
    by_priority: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.reports / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "reports": self.reports,
            "files": self.files,
            "first_number": self.first_number,
            "last_number": self.last_number,
            "seconds": round(self.seconds, 3),
            "reports_per_second": round(self.rate, 1),
            "store_seconds": round(self.store_seconds, 3),
            "waiting_seconds": round(self.waiting_seconds, 3),
            "by_incident_type": dict(self.by_type.most_common()),
            "by_expected_unit": dict(self.by_unit.most_common()),
            "by_expected_priority": dict(sorted(self.by_priority.items())),
        }


def origin_of(exercise: Exercise) -> datetime:
    """Where seeded arrivals end: the clock's origin (a real-time clock: its start)."""
    return exercise.clock_origin or exercise.clock_base


def next_number(session: Session, exercise_id: uuid.UUID) -> int:
    value = session.scalar(
        select(ExerciseCounter.value).where(
            ExerciseCounter.exercise_id == exercise_id, ExerciseCounter.name == "report"
        )
    )
    return (value or 0) + 1


def esp_accounts(session: Session, *, exercise: Exercise, actor: str, at: datetime) -> dict[str, ExerciseContext]:
    """One account per catalogue ESP (created once per database, no usable password) and its reporter membership
    in the exercise; the context each ESP's reports are stored under."""
    contexts: dict[str, ExerciseContext] = {}
    for esp in esps.CATALOGUE:
        user = auth_service.get_by_username(session, username=esp.username)
        if user is None:
            user = User(
                username=esp.username,
                display_name=esp.name,
                role=GlobalRole.user,
                password_hash=UNUSABLE_PASSWORD,
                is_active=True,
                created_at=wall.now(),
            )
            session.add(user)
            session.flush()
        membership = auth_service.get_membership(session, exercise_id=exercise.id, user_id=user.id)
        if membership is None:
            membership = auth_service.add_member(
                session, exercise=exercise, user=user, role=ExerciseRole.reporter, unit_id=None, actor=actor, at=at
            )
        contexts[esp.key] = ExerciseContext(exercise, Principal(user, None), membership)
    return contexts


def default_workers(reports: int) -> int:
    """Generator processes for a run from a command line: one from 20,000 reports on a machine with a second core
    (the database and this process's store take the rest), none below (the fork would not pay off)."""
    return 1 if reports >= 20_000 and (os.cpu_count() or 1) >= 2 else 0


_PLAN: Plan | None = None


def _start_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _work(chunk: int) -> list[tuple[Any, ...]]:
    assert _PLAN is not None
    return [r.pack() for r in generate_chunk(_PLAN, chunk)]


def chunks(plan: Plan, workers: int = 0, *, prefetch: bool = False) -> Generator[list[SeedReport], None, None]:
    """The plan's chunks in order: made here, by `workers` processes (forked; Linux), or with `prefetch` by one
    thread (it runs while the database works on a COPY or a query, when the driver has released the interpreter
    lock). Either way at most ``AHEAD`` chunks are made ahead of the one the caller holds, so memory stays bounded
    however fast the chunks come."""
    if workers <= 0 and not prefetch:
        for chunk in range(plan.chunk_count):
            yield generate_chunk(plan, chunk)
        return
    plan.tables  # noqa: B018 - built once here: forked workers inherit it rather than each building its own
    people.pools(plan.seed)
    if workers <= 0:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-generator") as threads:
            yield from _ahead(plan, lambda chunk: threads.submit(generate_chunk, plan, chunk).result)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker, initargs=(plan,)) as pool:
        for packed in _ahead(plan, lambda chunk: pool.apply_async(_work, (chunk,)).get):
            with collector_paused():
                yield [SeedReport.unpack(p) for p in packed]


def _ahead(plan: Plan, submit: Callable[[int], Callable[[], T]]) -> Iterator[T]:
    """The chunks' results in order, with up to ``AHEAD`` of them submitted before the one waited for."""
    pending: deque[Callable[[], T]] = deque()
    submitted = 0
    for _ in range(plan.chunk_count):
        while submitted < plan.chunk_count and len(pending) <= AHEAD:
            pending.append(submit(submitted))
            submitted += 1
        yield pending.popleft()()


def _prepared(report: SeedReport, context: ExerciseContext, shift: timedelta | None = None) -> intake.Prepared:
    return intake.Prepared(
        digest=report.digest,
        idempotency_key=None,
        files=report.files,
        found=report.found,
        kind=Classification(report.kind),
        urgent=report.urgent,
        body=report.body,
        captures=report.captures,
        estimates=report.estimates,
        received_at=report.received_at,
        context=context,
        arrives_at=report.received_at + shift if shift is not None else None,
    )


def seed_exercise(
    session: Session,
    *,
    exercise: Exercise,
    scenario: Scenario,
    reports: int,
    seed: int,
    actor: str,
    progress: Progress | None = None,
    workers: int = 0,
    drip: bool = False,
) -> Summary:
    """Seed `reports` reports of `scenario` into the exercise (in the caller's transaction).

    Without ``drip`` the reports arrived over the scenario's window ending at the clock's origin (a backlog); with
    it, the same schedule is moved to start at the exercise's current time: each report arrives, and only then shows,
    when the exercise clock reaches its ``arrives_at`` (a shift fed report by report; docs/stream.md)."""
    started = time.perf_counter()
    at = ExerciseClock(exercise.clock_state).now()
    contexts = esp_accounts(session, exercise=exercise, actor=actor, at=at)
    plan = Plan(scenario, seed, reports, origin_of(exercise), next_number(session, exercise.id))
    shift = at - plan.window_start if drip else None
    expected = ExpectedUnits(session, exercise.id, exercise.org_template)
    summary = Summary(scenario.name, seed, first_number=plan.first_number)
    batch: list[SeedReport] = []
    stored_batches = 0
    # the collector is paused for the whole run: chunks arrive (and are unpickled) while batches are stored; the
    # pipeline is closed (its thread or processes ended) however the run ends
    with collector_paused(), closing(chunks(plan, workers, prefetch=True)) as made:
        while True:
            waited = time.perf_counter()
            chunk = next(made, None)
            summary.waiting_seconds += time.perf_counter() - waited
            if chunk is None:
                break
            batch += chunk
            # batches of 1,000, 2,000, 4,000, then STORE_BATCH: the first is stored while the next are made
            if len(batch) >= min(STORE_BATCH, CHUNK << stored_batches) or batch[-1].index == reports - 1:
                _store(session, exercise, plan, contexts, expected, batch, summary, shift)
                batch = []
                stored_batches += 1
                if stored_batches & (stored_batches - 1) == 0:  # after batches 1, 2, 4, 8, ...
                    _refresh_statistics(session)
                if progress is not None:
                    progress(summary.reports, reports)
                if stored_batches % COLLECT_EVERY == 0:
                    gc.collect(1)  # the cyclic garbage batches leave (about a thousand objects each)
    summary.last_number = plan.first_number + summary.reports - 1
    summary.seconds = time.perf_counter() - started
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=at,
        actor=actor,
        type="exercise.seeded",
        subject_type="exercise",
        subject_id=exercise.id,
        data={
            "scenario": scenario.name,
            "seed": seed,
            "drip": drip,
            "reports": summary.reports,
            "files": summary.files,
            "first_number": summary.first_number,
            "last_number": summary.last_number,
        },
    )
    return summary


def _refresh_statistics(session: Session) -> None:
    """Let PostgreSQL's planner see the rows this transaction added (ANALYZE samples them; autovacuum cannot until
    they commit): intake's bundle lookups join reports, cases and indicators, and plans made for near-empty tables
    scan them whole once they hold millions of rows."""
    if session.get_bind().dialect.name == "postgresql":
        tables = ", ".join(f'"{m.__tablename__}"' for m in (Report, Case, Indicator, ReportFile))
        session.execute(text(f"ANALYZE {tables}"))


def _store(
    session: Session,
    exercise: Exercise,
    plan: Plan,
    contexts: dict[str, ExerciseContext],
    expected: ExpectedUnits,
    batch: list[SeedReport],
    summary: Summary,
    shift: timedelta | None = None,
) -> None:
    any_context = next(iter(contexts.values()))
    items = [_prepared(r, contexts[r.esp], shift) for r in batch]
    started = time.perf_counter()
    results = intake.store(session, ctx=any_context, items=items, source=ReportSource.seed)
    summary.store_seconds += time.perf_counter() - started
    rows = []
    for report, result in zip(batch, results, strict=True):
        if not isinstance(result, intake.Stored) or result.number != report.number:
            raise RuntimeError(f"seeded report {report.number} was not stored as planned: {result!r}")
        unit = expected.unit_for(report)
        rows.append(
            answer_row(
                exercise_id=exercise.id,
                report_id=result.report_id,
                report=report,
                expected=unit,
                scenario=plan.scenario.name,
                seed=plan.seed,
                first_number=plan.first_number,
                basis=expected.basis,
            )
        )
        summary.by_type[report.body["incidentSummary"]["incidentType"]] += 1
        summary.by_unit[unit.code or "none"] += 1
        summary.by_priority[report.truth.priority] += 1
        summary.files += len(report.files)
    insert_rows(session, AnswerKey, rows)
    summary.reports += len(batch)


__all__ = ["CHUNK", "Summary", "chunks", "default_workers", "esp_accounts", "seed_exercise"]
