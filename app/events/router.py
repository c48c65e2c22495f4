"""HTTP: the event log of an exercise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Supervisors
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.events import service
from app.events.schemas import EventRead, VerifyResult

router = APIRouter(
    prefix="/exercises/{exercise_id}/events", tags=["events"], responses=err(Unauthorized, NotFound, Forbidden)
)


@router.get("", response_model=Page[EventRead], summary="Read the event log")
def list_events(
    session: SessionDep,
    ctx: Supervisors,
    page: PageDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Only events with a seq greater than this.")] = 0,
    type: Annotated[list[str] | None, Query(max_length=50, description="Only these event types.")] = None,
) -> Page[EventRead]:
    """Events in sequence order: `after=SEQ` starts after a known event; `next_cursor` continues a page."""
    rows, cursor, total = service.page_events(
        session, exercise_id=ctx.exercise.id, after=after, types=type, params=page
    )
    return Page(items=[EventRead.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.get("/verify", response_model=VerifyResult, summary="Verify the hash chain")
def verify_events(session: SessionDep, ctx: Supervisors) -> VerifyResult:
    """Recompute every event's hash from its content and check each links to its predecessor."""
    v = service.verify(session, exercise_id=ctx.exercise.id)
    return VerifyResult(ok=v.ok, checked=v.checked, first_bad_seq=v.first_bad_seq, reason=v.reason)
