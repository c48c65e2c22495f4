"""HTTP: who takes part in an exercise, in which role."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.auth import errors, service
from app.auth.dependencies import Instructor, Staff
from app.auth.schemas import MembershipCreate, MembershipRead
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep

router = APIRouter(
    prefix="/exercises/{exercise_id}/members", tags=["members"], responses=err(Unauthorized, NotFound, Forbidden)
)


def _read(m: object, username: str, display_name: str) -> MembershipRead:
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
