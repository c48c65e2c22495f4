"""Seeding an exercise as a background job, and reading answer keys (instructors only)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.core.errors import ProblemDetailItem, UnprocessableEntity
from app.core.pagination import PageParams, paginate
from app.exercises import service as exercises_service
from app.exercises.models import Exercise, ExerciseStatus
from app.jobs import errors as job_errors
from app.jobs import service as jobs_service
from app.jobs.models import Job
from app.reports.models import Report
from app.seeding import errors
from app.seeding.models import AnswerKey
from app.seeding.schemas import AnswerKeyRead, SeedRequest
from seed import scenarios
from seed.loader import seed_exercise

KIND = "seed"
SEEDABLE = (ExerciseStatus.draft, ExerciseStatus.active, ExerciseStatus.paused)


def check_seedable(exercise: Exercise) -> None:
    if exercise.status not in SEEDABLE:
        raise errors.ExerciseNotSeedable(f"The exercise is {exercise.status}; seed it while draft, active or paused.")


def start(session: Session, *, ctx: ExerciseContext, data: SeedRequest, max_reports: int) -> Job:
    """Record a seeding job for the exercise (one at a time per exercise, at most `max_reports` reports)."""
    scenario = scenarios.load(data.scenario)
    reports = data.reports or scenario.reports
    if reports > max_reports:
        pointer = "/reports"
        message = (
            f"at most {max_reports} reports per request here (the {scenario.name} scenario has {scenario.reports})"
        )
        raise UnprocessableEntity(
            f"Too many reports: {message}.", errors=[ProblemDetailItem(pointer=pointer, message=message)]
        )
    check_seedable(exercises_service.lock(session, ctx.exercise))  # concurrent requests queue here
    running = jobs_service.active(session, exercise_id=ctx.exercise.id, kind=KIND)
    if running is not None:
        raise job_errors.JobInProgress(
            "This exercise is being seeded already; wait for that job to end.", extra={"job_id": str(running.id)}
        )
    params = {"scenario": scenario.name, "reports": reports, "seed": data.seed, "actor": ctx.actor, "drip": data.drip}
    return jobs_service.create(
        session, exercise_id=ctx.exercise.id, kind=KIND, params=params, total=reports, principal=ctx.principal
    )


def _work(session: Session, job: Job, progress: Callable[[int], None]) -> dict[str, Any]:
    exercise = session.scalar(select(Exercise).where(Exercise.id == job.exercise_id).with_for_update())
    if exercise is None:
        raise errors.ExerciseNotSeedable("The exercise no longer exists.")
    check_seedable(exercise)
    params = job.params
    summary = seed_exercise(
        session,
        exercise=exercise,
        scenario=scenarios.load(params["scenario"]),
        reports=int(params["reports"]),
        seed=int(params["seed"]),
        actor=str(params["actor"]),
        progress=lambda done, _total: progress(done),
        drip=bool(params.get("drip", False)),
    )
    return summary.as_json()


def run(factory: Callable[[], Session], job_id: uuid.UUID) -> None:
    """The background worker's entry point."""
    jobs_service.run(factory, job_id=job_id, work=_work)


def to_read(key: AnswerKey) -> AnswerKeyRead:
    details = key.details or {}
    return AnswerKeyRead.model_validate(
        {
            **{f: getattr(key, f) for f in AnswerKeyRead.model_fields if hasattr(AnswerKey, f)},
            "expected_unit": {
                "id": key.expected_unit_id,
                "code": key.expected_unit_code,
                "name": details.get("expected_unit_name", ""),
            },
            "routing_basis": details.get("routing_basis", ""),
            "place": details.get("place", {}),
            "reasons": details.get("reasons", []),
            "analyst_note": details.get("analyst_note", ""),
        }
    )


def get_answer_key(session: Session, *, ctx: ExerciseContext, report_id: uuid.UUID) -> AnswerKey:
    key = session.scalar(
        select(AnswerKey).where(AnswerKey.exercise_id == ctx.exercise.id, AnswerKey.report_id == report_id)
    )
    if key is None:
        exists = session.scalar(select(Report.id).where(Report.exercise_id == ctx.exercise.id, Report.id == report_id))
        detail = "That report was not seeded: it has no answer key." if exists else "No report with that id here."
        raise errors.AnswerKeyNotFound(detail)
    return key


def list_answer_keys(
    session: Session,
    *,
    ctx: ExerciseContext,
    priority: str | None,
    should_escalate: bool | None,
    params: PageParams,
) -> tuple[list[AnswerKey], str | None, int | None]:
    stmt = select(AnswerKey).where(AnswerKey.exercise_id == ctx.exercise.id)
    if priority is not None:
        stmt = stmt.where(AnswerKey.expected_priority == priority)
    if should_escalate is not None:
        stmt = stmt.where(AnswerKey.should_escalate == should_escalate)
    return paginate(session, stmt, keys=[AnswerKey.report_number], params=params)
