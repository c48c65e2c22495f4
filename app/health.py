"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import NotMigrated
from app.db import migrations
from app.db.session import Database

router = APIRouter(tags=["health"])


class Health(BaseModel):
    ok: bool


class Readiness(BaseModel):
    ready: bool
    database: str
    revision: str | None
    head: str | None
    detail: str | None = None


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(ok=True)


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable and migrated",
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
def readyz(request: Request) -> JSONResponse:
    db: Database = request.app.state.db
    head = migrations.head_revision()
    try:
        with db.read_engine.connect() as conn:
            current = migrations.current_revision(conn)
    except SQLAlchemyError as exc:
        body = Readiness(ready=False, database="unreachable", revision=None, head=head, detail=type(exc).__name__)
        return JSONResponse(body.model_dump(), status_code=503)
    try:
        migrations.raise_unless_head(current)
    except NotMigrated as exc:
        body = Readiness(ready=False, database="not-migrated", revision=current, head=head, detail=exc.detail)
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Readiness(ready=True, database="ok", revision=current, head=head).model_dump())
