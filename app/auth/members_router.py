"""HTTP: who takes part in an exercise, in which role."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from app.auth import errors, service
from app.auth.dependencies import Instructor, Staff
from app.auth.models import Membership
from app.auth.schemas import MembershipCreate, MembershipRead, MembershipUpdate
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep

router = APIRouter(
    prefix="/exercises/{exercise_id}/members", tags=["members"], responses=err(Unauthorized, NotFound, Forbidden)
)


def _read(m: Membership, username: str, display_name: str) -> MembershipRead:
    return MembershipRead.model_validate(
        {
            **{k: getattr(m, k) for k in ("id", "exercise_id", "user_id", "role", "unit_id", "created_at")},
            "username": username,
            "display_name": display_name,
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipRead,
    summary="Add a member",
    responses=err(errors.AlreadyMember, errors.UnknownUser, errors.UnknownUnit),
)
def add_member(session: SessionDep, ctx: Instructor, data: MembershipCreate, response: Response) -> MembershipRead:
    """Instructors add an existing user with a role (and optionally the unit they work in)."""
    membership, user = service.add_member_by_name(
        session, exercise=ctx.exercise, data=data, actor=ctx.actor, at=ctx.now()
    )
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/members/{membership.id}"
    return _read(membership, user.username, user.display_name)


@router.get("", response_model=Page[MembershipRead], summary="List members")
def list_members(session: SessionDep, ctx: Staff, page: PageDep) -> Page[MembershipRead]:
    rows, cursor, total = service.list_members(session, exercise_id=ctx.exercise.id, params=page)
    users = service.users_by_id(session, ids=[m.user_id for m in rows])
    return Page(
        items=[_read(m, users[m.user_id].username, users[m.user_id].display_name) for m in rows],
        next_cursor=cursor,
        total=total,
    )


def _read_one(session: SessionDep, m: Membership) -> MembershipRead:
    user = service.users_by_id(session, ids=[m.user_id])[m.user_id]
    return _read(m, user.username, user.display_name)


@router.get(
    "/{membership_id}",
    response_model=MembershipRead,
    summary="Read a membership",
    responses=err(errors.MembershipNotFound),
)
def get_member(session: SessionDep, ctx: Staff, membership_id: uuid.UUID) -> MembershipRead:
    return _read_one(session, service.get_member(session, exercise_id=ctx.exercise.id, membership_id=membership_id))


@router.patch(
    "/{membership_id}",
    response_model=MembershipRead,
    summary="Change a member's role or unit",
    responses=err(errors.MembershipNotFound, errors.UnknownUnit, errors.LastInstructor),
)
def update_member(
    session: SessionDep, ctx: Instructor, membership_id: uuid.UUID, data: MembershipUpdate
) -> MembershipRead:
    """Instructors only. An exercise always keeps at least one instructor (409 otherwise)."""
    membership = service.get_member(session, exercise_id=ctx.exercise.id, membership_id=membership_id)
    updated = service.update_member(
        session, exercise=ctx.exercise, membership=membership, data=data, actor=ctx.actor, at=ctx.now()
    )
    return _read_one(session, updated)


@router.delete(
    "/{membership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member",
    responses=err(errors.MembershipNotFound, errors.LastInstructor),
)
def remove_member(session: SessionDep, ctx: Instructor, membership_id: uuid.UUID) -> Response:
    """Instructors only. The user keeps their account and loses access to this exercise at once."""
    membership = service.get_member(session, exercise_id=ctx.exercise.id, membership_id=membership_id)
    service.remove_member(session, exercise=ctx.exercise, membership=membership, actor=ctx.actor, at=ctx.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
