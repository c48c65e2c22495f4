"""Who is calling `/ispws/`, and in which exercise.

The credential is HTTP Basic with an ordinary tipdesk user's name and password, checked, counted and throttled
exactly like `POST /api/v1/auth/token`. The caller may submit when they hold a `reporter` membership in exactly
one exercise, which is then the exercise their reports enter, and that exercise is not closed or archived.

The session is a write session of its own (authentication may record a failure even on a GET), committed when the
call ends, a protocol refusal included (see `app.ispws.errors`). The caller dependency commits once it has
resolved the caller, so no transaction stays open (on SQLite: no write lock is held) while a body streams in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBasic
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import errors as auth_errors
from app.auth import service as auth_service
from app.auth.models import ExerciseRole, Membership, User
from app.auth.principal import ExerciseContext, Principal
from app.db.session import SessionFactoryDep, get_database
from app.exercises.models import Exercise
from app.ispws.errors import Code, NotAuthenticated, ProtocolError, Throttled
from app.reports.service import CLOSED


def get_session(request: Request, factory: SessionFactoryDep) -> Iterator[Session]:
    get_database(request).ensure_migrated()
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


IspwsSession = Annotated[Session, Depends(get_session, scope="function")]


class BasicCredentials(HTTPBasic):
    """HTTP Basic, read without raising: anything but a well-formed `Basic` header is "no credential" (the caller
    answers 401 with an empty body). Declares the scheme in the OpenAPI document."""

    async def __call__(self, request: Request) -> tuple[str, str] | None:  # type: ignore[override]
        scheme, _, param = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not param.strip():
            return None
        try:
            decoded = base64.b64decode(param.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        username, colon, password = decoded.partition(":")
        return (username, password) if colon and username else None


Credentials = Annotated[
    tuple[str, str] | None,
    Depends(BasicCredentials(realm="ispws", auto_error=False, description="A tipdesk user's name and password.")),
]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def authenticated_user(request: Request, session: IspwsSession, credentials: Credentials) -> User:
    if credentials is None:
        raise NotAuthenticated
    username, password = credentials
    settings = request.app.state.settings
    address = _address(request)
    try:
        auth_service.check_throttle(session, username=username, address=address, settings=settings)
    except auth_errors.LoginThrottled:
        raise Throttled(str(settings.login_failure_window_seconds)) from None
    user = auth_service.authenticate(session, username=username, password=password, settings=settings)
    if user is None:
        auth_service.record_failure(session, username=username, address=address)
        raise NotAuthenticated
    return user


AuthenticatedUser = Annotated[User, Depends(authenticated_user)]


def reporter_context(session: Session, *, user: User) -> ExerciseContext:
    """The exercise `user` reports into, or 3100 (no single reporter membership; exercise closed or archived)."""
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.role == ExerciseRole.reporter).limit(2)
    ).all()
    if len(memberships) != 1:
        held = "no" if not memberships else "more than one"
        raise ProtocolError(
            Code.not_authorized_for_submissions,
            f"Not authorized for submissions: this account holds {held} reporter membership; "
            "it needs exactly one (the exercise its reports enter).",
        )
    membership = memberships[0]
    exercise = session.get(Exercise, membership.exercise_id)
    if exercise is None:  # the membership's foreign key makes this a deleted-meanwhile race
        raise ProtocolError(Code.not_authorized_for_submissions, "Not authorized for submissions: no exercise.")
    if exercise.status in CLOSED:
        raise ProtocolError(
            Code.not_authorized_for_submissions,
            f"Not authorized for submissions: the exercise is {exercise.status} and takes no more reports.",
        )
    return ExerciseContext(exercise, Principal(user, None), membership)


def caller(session: IspwsSession, user: AuthenticatedUser) -> ExerciseContext:
    ctx = reporter_context(session, user=user)
    session.commit()  # authentication and lookup done: release the transaction before the body is read
    return ctx


Caller = Annotated[ExerciseContext, Depends(caller)]
