"""HTTP: reading a job's progress and result."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.auth.dependencies import CurrentPrincipal
from app.core.errors import NotFound, Unauthorized
from app.core.errors import responses as err
from app.db.session import SessionDep
from app.jobs import service
from app.jobs.schemas import JobRead

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=err(Unauthorized))


@router.get("/{job_id}", response_model=JobRead, summary="Read a job", responses=err(NotFound))
def get_job(session: SessionDep, principal: CurrentPrincipal, job_id: uuid.UUID) -> JobRead:
    """Progress and outcome of a background job (e.g. seeding an exercise): for its creator, admins and the
    instructors of its exercise. A `failed` job changed nothing; its `error` says why."""
    return service.to_read(service.get(session, principal=principal, job_id=job_id))
