"""HTTP: seeding an exercise from a scenario (a background job) and reading answer keys."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status

from app.auth.dependencies import Instructor
from app.core.errors import Forbidden, NotFound, Unauthorized, UnprocessableEntity
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep, SessionFactoryDep
from app.jobs import errors as job_errors
from app.jobs import service as jobs_service
from app.jobs.schemas import JobRead
from app.seeding import errors, service
from app.seeding.schemas import AnswerKeyRead, SeedRequest

router = APIRouter(
    prefix="/exercises/{exercise_id}", tags=["seeding"], responses=err(Unauthorized, NotFound, Forbidden)
)


@router.post(
    "/seed",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    summary="Seed the exercise from a scenario",
    responses=err(errors.ExerciseNotSeedable, job_errors.JobInProgress, UnprocessableEntity),
)
def seed_exercise(
    request: Request,
    session: SessionDep,
    factory: SessionFactoryDep,
    ctx: Instructor,
    data: SeedRequest,
    background: BackgroundTasks,
    response: Response,
) -> JobRead:
    """Instructors only. Starts a background job that fabricates the scenario's reports (safe by construction:
    reserved identifiers only), stores them through intake's rules and records an answer key for each. Follow it at
    `GET /api/v1/jobs/{job_id}` (the `Location` header). A failed job leaves the exercise as it was. One seeding job
    runs at a time per exercise, of at most `TIPDESK_SEED_MAX_REPORTS` reports (the server's setting; larger
    seedings: `tipdesk seed`)."""
    job = service.start(session, ctx=ctx, data=data, max_reports=request.app.state.settings.seed_max_reports)
    background.add_task(service.run, factory, job.id)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return jobs_service.to_read(job)


@router.get(
    "/reports/{report_id}/answer-key",
    response_model=AnswerKeyRead,
    summary="Read a seeded report's answer key",
    responses=err(errors.AnswerKeyNotFound),
)
def get_answer_key(session: SessionDep, ctx: Instructor, report_id: uuid.UUID) -> AnswerKeyRead:
    """Instructors only: the expected priority, unit, duplicate or bundle, whether to escalate, and why."""
    return service.to_read(service.get_answer_key(session, ctx=ctx, report_id=report_id))


@router.get("/answer-keys", response_model=Page[AnswerKeyRead], summary="List the exercise's answer keys")
def list_answer_keys(
    session: SessionDep,
    ctx: Instructor,
    page: PageDep,
    priority: Literal["E", "1", "2", "3"] | None = Query(default=None, description="Only this expected priority."),
    should_escalate: bool | None = Query(default=None),
) -> Page[AnswerKeyRead]:
    """Instructors only: every seeded report's answer key, in report-number order."""
    rows, cursor, total = service.list_answer_keys(
        session, ctx=ctx, priority=priority, should_escalate=should_escalate, params=page
    )
    return Page(items=[service.to_read(k) for k in rows], next_cursor=cursor, total=total)
