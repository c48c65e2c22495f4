"""Running jobs: a request records a job and hands it to a background worker in the same process
(FastAPI's background tasks); the worker runs it in one transaction of its own.

- The job's outcome commits together with its work: a succeeded job and its data appear at once; a failed job's
  work is rolled back, so the exercise stays as it was, and the failure is recorded in a transaction of its own.
- Progress: the worker reports it to this process's memory at once and, on PostgreSQL, to the job row (through a
  separate connection, at most every few seconds). SQLite allows one writer, which the running job is, so there a
  job's progress is visible only through the process that runs it (the single API process SQLite is meant for).
- A job whose process is gone (same host, process no longer running) is marked failed when it is next read.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import Principal
from app.auth.service import get_membership
from app.core.clock import wall
from app.core.errors import AppError, problem_type
from app.jobs import errors
from app.jobs.models import Job, JobStatus
from app.jobs.schemas import JobRead

log = logging.getLogger("tipdesk.jobs")
ACTIVE = (JobStatus.queued, JobStatus.running)
PERSIST_EVERY = 2.0  # seconds between progress writes to the job row

_live: dict[uuid.UUID, int] = {}
_lock = threading.Lock()

Work = Callable[[Session, Job, Callable[[int], None]], dict[str, Any]]


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create(
    session: Session, *, exercise_id: uuid.UUID, kind: str, params: dict[str, Any], total: int, principal: Principal
) -> Job:
    now = wall.now()
    job = Job(
        exercise_id=exercise_id,
        kind=kind,
        status=JobStatus.queued,
        params=params,
        total=total,
        done=0,
        worker=this_worker(),
        created_by_id=principal.user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _gone(job: Job) -> bool:
    host, _, pid = job.worker.rpartition(":")
    if job.status not in ACTIVE or host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _settle(session: Session, job: Job) -> Job:
    if _gone(job):
        job.status, job.finished_at, job.updated_at = JobStatus.failed, wall.now(), wall.now()
        job.error = {
            "type": problem_type("job-interrupted"),
            "title": "Job interrupted",
            "detail": "The process running this job stopped before it finished; nothing it did was kept.",
        }
        session.flush()
    return job


def active(session: Session, *, exercise_id: uuid.UUID, kind: str) -> Job | None:
    jobs = session.scalars(
        select(Job).where(Job.exercise_id == exercise_id, Job.kind == kind, Job.status.in_(ACTIVE)).with_for_update()
    ).all()
    return next((j for j in jobs if _settle(session, j).status in ACTIVE), None)


def get(session: Session, *, principal: Principal, job_id: uuid.UUID) -> Job:
    """A job the caller may see: its creator, an admin, or an instructor of its exercise (404 otherwise)."""
    job = session.get(Job, job_id)
    if job is None or (principal.scope is not None and principal.scope != job.exercise_id):
        raise errors.JobNotFound("No job with that id is visible to you.")
    if not principal.is_admin and job.created_by_id != principal.user.id:
        membership = get_membership(session, exercise_id=job.exercise_id, user_id=principal.user.id)
        if membership is None or membership.role != ExerciseRole.instructor:
            raise errors.JobNotFound("No job with that id is visible to you.")
    return _settle(session, job)


def to_read(job: Job) -> JobRead:
    done = job.done
    if job.status == JobStatus.running:
        with _lock:
            done = max(done, _live.get(job.id, 0))
    return JobRead.model_validate(
        {
            **{f: getattr(job, f) for f in JobRead.model_fields if f not in ("done", "progress")},
            "done": done,
            "progress": min(1.0, done / job.total) if job.total else 1.0,
        }
    )


class _Progress:
    def __init__(self, job_id: uuid.UUID, engine: Engine | None) -> None:
        self.job_id, self.engine, self.last = job_id, engine, 0.0

    def __call__(self, done: int) -> None:
        with _lock:
            _live[self.job_id] = done
        now = time.monotonic()
        if self.engine is None or now - self.last < PERSIST_EVERY:
            return
        self.last = now
        with self.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == self.job_id).values(done=done, updated_at=wall.now()))


def _separate_engine(session: Session) -> Engine | None:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else None


def _error(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, AppError):
        return {"type": problem_type(exc.slug), "title": exc.title, "detail": exc.detail or exc.title}
    return {
        "type": problem_type("job-failed"),
        "title": "Job failed",
        "detail": "The job stopped on an unexpected error; nothing it did was kept. The server log has the details.",
    }


def run(factory: Callable[[], Session], *, job_id: uuid.UUID, work: Work) -> None:
    """Run a queued job to its end (called by the background worker)."""
    session = factory()
    try:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.queued:
            return
        job.status, job.started_at, job.updated_at = JobStatus.running, wall.now(), wall.now()
        session.commit()
        try:
            result = work(session, job, _Progress(job_id, _separate_engine(session)))
            job.status, job.result, job.done = JobStatus.succeeded, result, job.total
            job.finished_at = job.updated_at = wall.now()
            session.commit()
        except Exception as exc:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=JobStatus.failed, error=_error(exc), finished_at=wall.now(), updated_at=wall.now())
            )
            session.commit()
    finally:
        session.close()
        with _lock:
            _live.pop(job_id, None)
