"""HTTP: the event log of an exercise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.auth.dependencies import Staff, Supervisors
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep, get_database
from app.events import service, stream
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


SEQ_MAX = 2**31 - 1
EVENT_STREAM = "text/event-stream"
SSE_MESSAGE = {
    "type": "object",
    "description": "One Server-Sent Events message (comment lines, the heartbeats, are not messages).",
    "properties": {
        "id": {"type": "string", "description": "The event's seq: what `Last-Event-ID` resumes after."},
        "event": {"type": "string", "description": "Always `message` (the event's type is inside `data`)."},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "The event as `GET .../events` lists it (EventRead).",
        },
        "retry": {"type": "integer"},
    },
    "required": ["data"],
}
SHUTDOWN_GRACE_SECONDS = 3.0  # a poll in progress finishes, then the stream ends; after this it is cancelled


@router.get(
    "/stream",
    summary="Follow the event log live (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "The event stream: one message per event.",
            "content": {EVENT_STREAM: {"schema": SSE_MESSAGE}},
        }
    },
)
async def stream_events(
    request: Request,
    ctx: Staff,
    after: Annotated[int, Query(ge=0, le=SEQ_MAX, description="Start after this seq (0: from the start).")] = 0,
    types: Annotated[
        list[str] | None,
        Query(max_length=50, description="Only these event types (repeat or comma-separate; `case.*`: a prefix)."),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=r"^\s*[0-9]{1,10}\s*$",
            description="Set by EventSource on reconnection: resume after this seq (overrides `after`).",
        ),
    ] = None,
) -> EventSourceResponse:
    """Each event of the log as one SSE message: `id` is its seq, `data` the event as `GET .../events` returns it
    (its `type` inside). Resume with `Last-Event-ID` (what EventSource sends on reconnection) or `?after=`: the
    stream continues with the next event the caller may see, with no gap and no repeat. Instructors see every event;
    supervisors, analysts and investigators only the events of cases (and their reports) they see, and clock and
    status changes of the exercise. Idle streams send a comment (`: ping`) every `TIPDESK_STREAM_HEARTBEAT_SECONDS`;
    a stream ends after `TIPDESK_STREAM_MAX_SECONDS` (EventSource reconnects and resumes by itself).
    Scheduled reports' events join the log when the exercise clock reaches their arrival. See docs/stream.md."""
    start = int(last_event_id) if last_event_id is not None else after
    if start > SEQ_MAX:
        start = SEQ_MAX
    settings = request.app.state.settings
    database = get_database(request)
    wanted = stream.type_filter(types or [])
    principal, exercise_id = ctx.principal, ctx.exercise.id

    shutdown = anyio.Event()  # set by the SSE library when the server is stopping: the stream then ends cleanly

    async def messages() -> AsyncIterator[ServerSentEvent]:
        cursor = start
        ends = anyio.current_time() + settings.stream_max_seconds
        while not shutdown.is_set() and anyio.current_time() < ends:
            found = await run_in_threadpool(
                stream.poll,
                database,
                exercise_id=exercise_id,
                principal=principal,
                after=cursor,
                types=wanted,
                limit=settings.stream_batch_size,
            )
            for event in found.events:
                yield ServerSentEvent(data=EventRead.model_validate(event).model_dump_json(), id=str(event.seq))
            cursor = found.cursor
            if found.ended:
                return
            if not found.more:
                with anyio.move_on_after(min(settings.stream_poll_interval_seconds, ends - anyio.current_time())):
                    await shutdown.wait()

    return EventSourceResponse(
        messages(),
        ping=settings.stream_heartbeat_seconds,
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
