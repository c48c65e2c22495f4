"""Exercise lifecycle and clock. Every change appends its event in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.addresses import service as addresses_service
from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole, Membership
from app.auth.principal import ExerciseContext, Principal
from app.core.clock import ClockMode, ClockState, ExerciseClock, wall
from app.core.errors import Forbidden
from app.core.pagination import PageParams, paginate
from app.events import service as events_service
from app.exercises import errors, lifecycle
from app.exercises.models import Exercise
from app.exercises.schemas import (
    ClockAction,
    ClockConfig,
    ClockRead,
    ExerciseCreate,
    ExerciseRead,
    ExerciseUpdate,
    JumpClock,
    PauseClock,
    ResumeClock,
    SetMode,
    SetSpeed,
)
from app.routing import service as routing_service
from app.units import service as units_service
from app.units import templates


def clock_read(exercise: Exercise) -> ClockRead:
    state = exercise.clock_state
    return ClockRead(
        now=ExerciseClock(state).now(),
        mode=state.mode,
        speed=state.speed,
        paused=state.paused,
        origin=exercise.clock_origin,
    )


def to_read(exercise: Exercise) -> ExerciseRead:
    return ExerciseRead.model_validate(
        {**{c: getattr(exercise, c) for c in ExerciseRead.model_fields if c != "clock"}, "clock": clock_read(exercise)}
    )


def _initial_clock(config: ClockConfig) -> tuple[ClockState, datetime | None]:
    now = wall.now()
    if config.mode == ClockMode.real:
        return ClockState.real(now), None
    origin = config.origin or now
    return ClockState.simulated(origin=origin, at=now, speed=config.speed, paused=config.paused), origin


def create_exercise(session: Session, *, data: ExerciseCreate, principal: Principal) -> Exercise:
    if principal.user.role not in (GlobalRole.admin, GlobalRole.instructor) or principal.scope is not None:
        raise Forbidden("Only admins and instructors create exercises.")
    template_name = data.org_template or templates.DEFAULT_TEMPLATE
    try:
        template = templates.load_template(template_name)
    except KeyError:
        raise errors.UnknownTemplate(
            f"No organisation template named {template_name!r}.",
            extra={"available": list(templates.available_templates()), "pointer": "/org_template"},
        ) from None
    state, origin = _initial_clock(data.clock)
    now = wall.now()
    exercise = Exercise(
        name=data.name,
        description=data.description,
        intake_mode=data.intake_mode,
        org_template=template.name,
        seed_parameters=data.seed_parameters,
        clock_origin=origin,
        created_by_id=principal.user.id,
        created_at=now,
        updated_at=now,
    )
    exercise.clock_state = state
    session.add(exercise)
    session.flush()
    events_service.open_stream(session, exercise_id=exercise.id)
    at = ExerciseClock(state).now()
    cloned = units_service.clone_template(session, exercise_id=exercise.id, template=template, now=at)
    block_count = addresses_service.clone_defaults(session, exercise_id=exercise.id, now=at)
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=at,
        actor=principal.actor,
        type="exercise.created",
        subject_type="exercise",
        subject_id=exercise.id,
        data={
            "name": exercise.name,
            "intake_mode": exercise.intake_mode,
            "org_template": template.name,
            "org_template_version": template.version,
            "units": cloned.units,
            "areas": cloned.areas,
            "address_blocks": block_count,
            "clock": clock_snapshot(state),
        },
    )
    routing_service.install_default(
        session, exercise_id=exercise.id, template=template.name, actor=principal.actor, at=at
    )
    auth_service.add_member(
        session,
        exercise=exercise,
        user=principal.user,
        role=ExerciseRole.instructor,
        unit_id=None,
        actor=principal.actor,
        at=at,
    )
    return exercise


def list_exercises(
    session: Session, *, principal: Principal, params: PageParams
) -> tuple[list[Exercise], str | None, int | None]:
    stmt = select(Exercise)
    if principal.scope is not None:
        stmt = stmt.where(Exercise.id == principal.scope)
    if not principal.is_admin:
        stmt = stmt.where(
            Exercise.id.in_(select(Membership.exercise_id).where(Membership.user_id == principal.user.id))
        )
    return paginate(session, stmt, keys=[Exercise.created_at, Exercise.id], params=params)


def lock(session: Session, exercise: Exercise) -> Exercise:
    """Re-read the exercise under a row lock, so concurrent changes queue instead of overwriting each other."""
    session.refresh(exercise, with_for_update=True)
    return exercise


def update_exercise(session: Session, *, ctx: ExerciseContext, data: ExerciseUpdate) -> Exercise:
    exercise = lock(session, ctx.exercise)
    changes: dict[str, dict[str, Any]] = {}
    for field, new in data.model_dump(exclude_unset=True).items():
        if new is None:
            continue
        old = getattr(exercise, field)
        if old == new:
            continue
        if field == "status":
            lifecycle.check_transition(old, new)
        changes[field] = {"old": old, "new": new}
    if not changes:
        return exercise
    at = ctx.now()
    for field, change in changes.items():
        setattr(exercise, field, change["new"])
    exercise.updated_at = wall.now()
    session.flush()
    if "status" in changes:
        events_service.append(
            session,
            exercise_id=exercise.id,
            at=at,
            actor=ctx.actor,
            type="exercise.status_changed",
            subject_type="exercise",
            subject_id=exercise.id,
            data=changes.pop("status"),
        )
    if changes:
        events_service.append(
            session,
            exercise_id=exercise.id,
            at=at,
            actor=ctx.actor,
            type="exercise.updated",
            subject_type="exercise",
            subject_id=exercise.id,
            data={"changes": changes},
        )
    return exercise


def clock_snapshot(state: ClockState) -> dict[str, Any]:
    return {
        "mode": state.mode,
        "base": state.base,
        "anchor": state.anchor,
        "speed": state.speed,
        "paused": state.paused,
    }


def apply_clock_action(session: Session, *, ctx: ExerciseContext, action: ClockAction) -> Exercise:
    exercise = lock(session, ctx.exercise)
    state = exercise.clock_state
    wall_now = wall.now()
    before_now = ExerciseClock(state).now()
    if state.mode == ClockMode.real and not isinstance(action, SetMode):
        raise errors.ClockNotSimulated(
            "This exercise runs on real time; switch it to a simulated clock first (action set_mode).",
            extra={"action": action.action},
        )
    match action:
        case PauseClock():
            new = state.paused_at(wall_now)
        case ResumeClock():
            new = state.resumed_at(wall_now)
        case SetSpeed(speed=speed):
            new = state.with_speed(speed, wall_now)
        case JumpClock(seconds=seconds, to=to):
            # the schema guarantees exactly one of the two
            delta = seconds if seconds is not None else (to - before_now).total_seconds() if to is not None else 0.0
            if delta <= 0:
                raise errors.ClockJumpBackwards(
                    f"The exercise time is already {before_now.isoformat()}; a jump must go forward.",
                    extra={"pointer": "/to"},
                )
            try:
                new = state.jumped(delta, wall_now)
            except ValueError as exc:
                raise errors.ClockJumpBackwards(str(exc), extra={"pointer": "/seconds"}) from None
        case SetMode(mode=ClockMode.real):
            new = ClockState.real(wall_now)
            exercise.clock_origin = None
        case SetMode(mode=_, origin=origin, speed=speed):
            new = ClockState.simulated(origin=origin or before_now, at=wall_now, speed=speed)
            exercise.clock_origin = origin or before_now
    exercise.clock_state = new
    exercise.updated_at = wall_now
    session.flush()
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=before_now,
        actor=ctx.actor,
        type="exercise.clock_changed",
        subject_type="exercise",
        subject_id=exercise.id,
        data={"action": action.model_dump(mode="json"), "before": clock_snapshot(state), "after": clock_snapshot(new)},
    )
    return exercise
