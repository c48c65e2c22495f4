"""HTTP: exercises and their clocks."""

from __future__ import annotations

from fastapi import APIRouter, Body, Response, status

from app.auth.dependencies import AnyMember, CurrentPrincipal, Instructor
from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, Unauthorized, UnprocessableEntity
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.exercises import service
from app.exercises.schemas import ClockAction, ClockRead, ExerciseCreate, ExerciseRead, ExerciseUpdate

router = APIRouter(prefix="/exercises", tags=["exercises"], responses=err(Unauthorized))
SCOPED = err(NotFound)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ExerciseRead,
    summary="Create an exercise",
    responses=err(Forbidden, UnprocessableEntity),
)
def create_exercise(
    session: SessionDep, principal: CurrentPrincipal, data: ExerciseCreate, response: Response
) -> ExerciseRead:
    """Create an exercise (admins and instructors). Its units are cloned from the organisation template and the
    creator becomes its instructor."""
    exercise = service.create_exercise(session, data=data, principal=principal)
    response.headers["Location"] = f"/api/v1/exercises/{exercise.id}"
    return service.to_read(exercise)


@router.get("", response_model=Page[ExerciseRead], summary="List the exercises visible to you")
def list_exercises(session: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[ExerciseRead]:
    rows, cursor, total = service.list_exercises(session, principal=principal, params=page)
    return Page(items=[service.to_read(e) for e in rows], next_cursor=cursor, total=total)


@router.get("/{exercise_id}", response_model=ExerciseRead, summary="Read an exercise", responses=SCOPED)
def get_exercise(ctx: AnyMember) -> ExerciseRead:
    return service.to_read(ctx.exercise)


@router.patch(
    "/{exercise_id}",
    response_model=ExerciseRead,
    summary="Update an exercise or change its status",
    responses=err(NotFound, Forbidden, InvalidTransition, UnprocessableEntity),
)
def update_exercise(session: SessionDep, ctx: Instructor, data: ExerciseUpdate) -> ExerciseRead:
    """Instructors only. A status change must follow draft → active ⇄ paused; active|paused → closed → archived;
    anything else is a 409 listing the allowed next statuses."""
    return service.to_read(service.update_exercise(session, ctx=ctx, data=data))


@router.get("/{exercise_id}/clock", response_model=ClockRead, summary="Read the exercise clock", responses=SCOPED)
def get_clock(ctx: AnyMember) -> ClockRead:
    return service.clock_read(ctx.exercise)


@router.post(
    "/{exercise_id}/clock",
    response_model=ClockRead,
    summary="Pause, resume, speed up or jump the exercise clock",
    responses=err(NotFound, Forbidden, Conflict, UnprocessableEntity),
)
def change_clock(session: SessionDep, ctx: Instructor, action: ClockAction = Body(...)) -> ClockRead:
    """Instructors only. Actions: `pause`, `resume`, `set_speed` (`speed`), `jump` (`seconds` or `to`, forward
    only) and `set_mode` (`real`, or `simulated` with `origin` and `speed`). A real-time clock only accepts
    `set_mode` (409 otherwise)."""
    return service.clock_read(service.apply_clock_action(session, ctx=ctx, action=action))
