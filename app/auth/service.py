"""Users, login, tokens and memberships. Services flush; the caller's transaction commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Uuid, and_, bindparam, delete, func, select
from sqlalchemy.orm import Session

from app.auth import errors
from app.auth.models import Credential, CredentialKind, ExerciseRole, GlobalRole, LoginFailure, Membership, User
from app.auth.principal import Principal
from app.auth.schemas import ApiTokenCreate, MembershipCreate, MembershipUpdate, UserCreate
from app.core import security
from app.core.clock import wall
from app.core.config import Settings
from app.core.errors import Forbidden
from app.core.pagination import PageParams, paginate
from app.events import service as events_service
from app.exercises.models import Exercise
from app.units import service as units_service


def get_by_username(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.lower()))


def create_user(session: Session, *, data: UserCreate, principal: Principal | None) -> User:
    """Create a user; ``principal`` None means the CLI bootstrap (no checks)."""
    if principal is not None:
        if not principal.can_manage_users or principal.scope is not None:
            raise Forbidden("Only admins and instructors create users.")
        if data.role != GlobalRole.user and not principal.is_admin:
            raise Forbidden("Only an admin may create admins or instructors.")
    if get_by_username(session, username=data.username) is not None:
        raise errors.UsernameTaken(f"The username {data.username!r} is taken.")
    user = User(
        username=data.username.lower(),
        display_name=data.display_name,
        role=data.role,
        password_hash=security.hash_password(data.password),
        is_active=True,
        created_at=wall.now(),
    )
    session.add(user)
    session.flush()
    return user


def list_users(
    session: Session, *, principal: Principal, params: PageParams
) -> tuple[list[User], str | None, int | None]:
    if not principal.can_manage_users or principal.scope is not None:
        raise Forbidden("Only admins and instructors list users, and not with an exercise-scoped token.")
    return paginate(session, select(User), keys=[User.username], params=params)


# --- login ---------------------------------------------------------------------------------------------------------


def check_throttle(session: Session, *, username: str, address: str, settings: Settings) -> None:
    since = wall.now() - timedelta(seconds=settings.login_failure_window_seconds)
    by_user = (
        session.scalar(select(func.count()).where(LoginFailure.username == username.lower(), LoginFailure.at >= since))
        or 0
    )
    by_address = (
        session.scalar(select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= since)) or 0
    )
    if by_user >= settings.login_max_failures_per_user or by_address >= settings.login_max_failures_per_address:
        raise errors.LoginThrottled(
            "Too many failed logins; wait before trying again.",
            headers={"Retry-After": str(settings.login_failure_window_seconds)},
        )


def record_failure(session: Session, *, username: str, address: str) -> None:
    session.add(LoginFailure(username=username.lower()[:64], address=address[:64], at=wall.now()))
    session.flush()


def usable(user: User, settings: Settings) -> bool:
    """Active, and not a demo user outside demo mode."""
    return user.is_active and (settings.demo_mode or not user.is_demo)


def authenticate(session: Session, *, username: str, password: str, settings: Settings) -> User | None:
    user = get_by_username(session, username=username)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not usable(user, settings):
        return None
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    return user


def _issue(
    session: Session,
    *,
    user: User,
    kind: CredentialKind,
    name: str,
    ttl: timedelta,
    exercise_id: uuid.UUID | None = None,
) -> tuple[Credential, str]:
    secret = security.new_token()
    now = wall.now()
    cred = Credential(
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=security.token_digest(secret),
        token_prefix=secret[:10],
        exercise_id=exercise_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(cred)
    session.flush()
    return cred, secret


def issue_session_token(session: Session, *, user: User, settings: Settings) -> tuple[Credential, str]:
    return _issue(
        session,
        user=user,
        kind=CredentialKind.session,
        name="login",
        ttl=timedelta(minutes=settings.access_token_ttl_minutes),
    )


def resolve_token(session: Session, *, token: str, settings: Settings) -> Principal | None:
    row = session.execute(_BY_TOKEN, {"token_hash": security.token_digest(token)}).one_or_none()
    return None if row is None else _principal(row[0], row[1], settings)


def resolve_token_in_exercise(
    session: Session, *, token: str, exercise_id: uuid.UUID, settings: Settings
) -> tuple[Principal, Exercise | None, Membership | None] | None:
    """:func:`resolve_token`, with the exercise (None if there is none) and the user's membership in it (None if
    they have none), in one query; None when the token does not authenticate."""
    row = session.execute(
        _BY_TOKEN_IN_EXERCISE, {"token_hash": security.token_digest(token), "exercise_id": exercise_id}
    ).one_or_none()
    if row is None:
        return None
    cred, user, exercise, membership = row
    principal = _principal(cred, user, settings)
    return None if principal is None else (principal, exercise, membership)


def _principal(cred: Credential, user: User, settings: Settings) -> Principal | None:
    if cred.revoked_at is not None or cred.expires_at <= wall.now() or not usable(user, settings):
        return None
    return Principal(user=user, credential=cred)


_BY_TOKEN = (  # built once: every authenticated request runs it
    select(Credential, User)
    .join(User, User.id == Credential.user_id)
    .where(Credential.token_hash == bindparam("token_hash"))
)
_BY_TOKEN_IN_EXERCISE = (  # built once: every request to an exercise runs it
    select(Credential, User, Exercise, Membership)
    .join(User, User.id == Credential.user_id)
    .outerjoin(Exercise, Exercise.id == bindparam("exercise_id", type_=Uuid()))
    .outerjoin(Membership, and_(Membership.exercise_id == Exercise.id, Membership.user_id == User.id))
    .where(Credential.token_hash == bindparam("token_hash"))
)


# --- API tokens ----------------------------------------------------------------------------------------------------


def create_api_token(
    session: Session, *, principal: Principal, data: ApiTokenCreate, settings: Settings
) -> tuple[Credential, str]:
    if principal.scope is not None:
        raise Forbidden("An exercise-scoped token cannot create tokens.")
    if data.exercise_id is not None:
        visible = session.get(Exercise, data.exercise_id) is not None and (
            principal.is_admin
            or get_membership(session, exercise_id=data.exercise_id, user_id=principal.user.id) is not None
        )
        if not visible:
            raise errors.UnknownExercise(
                "No exercise with that id is visible to you.", extra={"pointer": "/exercise_id"}
            )
    days = min(data.expires_in_days, settings.api_token_max_ttl_days)
    return _issue(
        session,
        user=principal.user,
        kind=CredentialKind.api,
        name=data.name,
        ttl=timedelta(days=days),
        exercise_id=data.exercise_id,
    )


def list_tokens(
    session: Session, *, principal: Principal, params: PageParams
) -> tuple[list[Credential], str | None, int | None]:
    stmt = select(Credential).where(Credential.user_id == principal.user.id, Credential.kind == CredentialKind.api)
    if principal.scope is not None:
        stmt = stmt.where(Credential.exercise_id == principal.scope)
    return paginate(session, stmt, keys=[Credential.created_at, Credential.id], params=params)


def revoke_token(session: Session, *, principal: Principal, token_id: uuid.UUID) -> Credential:
    cred = session.scalar(select(Credential).where(Credential.id == token_id, Credential.user_id == principal.user.id))
    if cred is None:
        raise errors.TokenNotFound("No token with that id belongs to you.")
    if cred.revoked_at is None:
        cred.revoked_at = wall.now()
        session.flush()
    return cred


def revoke_current(session: Session, *, principal: Principal) -> None:
    if principal.credential is None:
        return
    principal.credential.revoked_at = wall.now()
    session.add(principal.credential)
    session.flush()


# --- memberships ---------------------------------------------------------------------------------------------------


def get_membership(session: Session, *, exercise_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.exercise_id == exercise_id, Membership.user_id == user_id)
    )


def exercise_and_membership(
    session: Session, *, exercise_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Exercise, Membership | None] | None:
    """The exercise and the user's membership in it (None if they have none), in one query; None if no exercise."""
    member = and_(Membership.exercise_id == Exercise.id, Membership.user_id == user_id)
    row = session.execute(
        select(Exercise, Membership).outerjoin(Membership, member).where(Exercise.id == exercise_id)
    ).first()
    return None if row is None else (row[0], row[1])


def memberships_of(session: Session, *, user_id: uuid.UUID) -> Sequence[Membership]:
    return session.scalars(
        select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at)
    ).all()


def add_member(
    session: Session,
    *,
    exercise: Exercise,
    user: User,
    role: ExerciseRole,
    unit_id: uuid.UUID | None,
    actor: str,
    at: datetime,
) -> Membership:
    if get_membership(session, exercise_id=exercise.id, user_id=user.id) is not None:
        raise errors.AlreadyMember(f"{user.username} is already a member of this exercise.")
    membership = Membership(exercise_id=exercise.id, user_id=user.id, role=role, unit_id=unit_id, created_at=wall.now())
    session.add(membership)
    session.flush()
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=at,
        actor=actor,
        type="membership.added",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": user.id, "username": user.username, "role": role, "unit_id": unit_id},
    )
    return membership


def _require_unit(session: Session, *, exercise_id: uuid.UUID, unit_id: uuid.UUID | None) -> None:
    if unit_id is not None and units_service.get_in_exercise(session, exercise_id=exercise_id, unit_id=unit_id) is None:
        raise errors.UnknownUnit("That unit does not belong to this exercise.", extra={"pointer": "/unit_id"})


def add_member_by_name(
    session: Session, *, exercise: Exercise, data: MembershipCreate, actor: str, at: datetime
) -> tuple[Membership, User]:
    user = get_by_username(session, username=data.username)
    if user is None:
        raise errors.UnknownUser(f"No user named {data.username!r}.", extra={"pointer": "/username"})
    _require_unit(session, exercise_id=exercise.id, unit_id=data.unit_id)
    return add_member(
        session, exercise=exercise, user=user, role=data.role, unit_id=data.unit_id, actor=actor, at=at
    ), user


def get_member(session: Session, *, exercise_id: uuid.UUID, membership_id: uuid.UUID) -> Membership:
    membership = session.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.exercise_id == exercise_id)
    )
    if membership is None:
        raise errors.MembershipNotFound("No membership with that id in this exercise.")
    return membership


def _keep_an_instructor(session: Session, *, membership: Membership) -> None:
    if membership.role != ExerciseRole.instructor:
        return
    # the exercise row lock serialises concurrent demotions, so two instructors cannot remove each other
    session.execute(select(Exercise.id).where(Exercise.id == membership.exercise_id).with_for_update())
    others = session.scalar(
        select(func.count()).where(
            Membership.exercise_id == membership.exercise_id,
            Membership.role == ExerciseRole.instructor,
            Membership.id != membership.id,
        )
    )
    if not others:
        raise errors.LastInstructor("This is the exercise's only instructor; make someone else instructor first.")


def update_member(
    session: Session, *, exercise: Exercise, membership: Membership, data: MembershipUpdate, actor: str, at: datetime
) -> Membership:
    changes: dict[str, dict[str, Any]] = {}
    if data.role is not None and data.role != membership.role:
        _keep_an_instructor(session, membership=membership)
        changes["role"] = {"old": membership.role, "new": data.role}
    if "unit_id" in data.model_fields_set and data.unit_id != membership.unit_id:
        _require_unit(session, exercise_id=exercise.id, unit_id=data.unit_id)
        changes["unit_id"] = {"old": membership.unit_id, "new": data.unit_id}
    if not changes:
        return membership
    for field, change in changes.items():
        setattr(membership, field, change["new"])
    session.flush()
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=at,
        actor=actor,
        type="membership.changed",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": membership.user_id, "changes": changes},
    )
    return membership


def remove_member(session: Session, *, exercise: Exercise, membership: Membership, actor: str, at: datetime) -> None:
    _keep_an_instructor(session, membership=membership)
    data = {"user_id": membership.user_id, "role": membership.role}
    session.delete(membership)
    session.flush()
    events_service.append(
        session,
        exercise_id=exercise.id,
        at=at,
        actor=actor,
        type="membership.removed",
        subject_type="membership",
        subject_id=membership.id,
        data=data,
    )


def list_members(
    session: Session, *, exercise_id: uuid.UUID, params: PageParams
) -> tuple[list[Membership], str | None, int | None]:
    stmt = select(Membership).where(Membership.exercise_id == exercise_id)
    return paginate(session, stmt, keys=[Membership.created_at, Membership.id], params=params)


def users_by_id(session: Session, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(set(ids))))}
