"""Authentication and authorisation dependencies: the one place access is decided.

- ``CurrentPrincipal``: a valid bearer token (401 with ``WWW-Authenticate`` otherwise).
- ``ExerciseAccess(*roles)``: the exercise in the path, if the caller may see it. A caller who is not a member (or
  whose token is scoped to another exercise) gets 404, exactly as for an exercise that does not exist, so existence
  never leaks; a member without one of ``roles`` gets 403. Admins pass every check.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service as auth_service
from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext, Principal
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.db.session import SessionDep

_bearer = HTTPBearer(auto_error=False, description="A login token from /api/v1/auth/token or a personal API token.")


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send a bearer token in the Authorization header.")
    return credentials.credentials


def _invalid_token() -> Unauthorized:
    return Unauthorized(
        "The token is unknown, expired or revoked.",
        headers={"WWW-Authenticate": 'Bearer realm="tipdesk", error="invalid_token"'},
    )


def get_principal(request: Request, session: SessionDep, credentials: Bearer) -> Principal:
    principal = auth_service.resolve_token(session, token=_token(credentials), settings=request.app.state.settings)
    if principal is None:
        raise _invalid_token()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


EXERCISE_NOT_FOUND = "No exercise with that id is visible to you."


class ExerciseAccess:
    def __init__(self, *roles: ExerciseRole) -> None:
        self.roles = frozenset(roles)

    def __call__(
        self,
        request: Request,
        session: SessionDep,
        credentials: Bearer,
        exercise_id: Annotated[uuid.UUID, Path(description="The exercise.")],
    ) -> ExerciseContext:
        found = auth_service.resolve_token_in_exercise(  # the caller, the exercise and their membership: one query
            session, token=_token(credentials), exercise_id=exercise_id, settings=request.app.state.settings
        )
        if found is None:
            raise _invalid_token()
        principal, exercise, membership = found
        if exercise is None or (principal.scope is not None and principal.scope != exercise_id):
            raise NotFound(EXERCISE_NOT_FOUND)
        if principal.is_admin:
            return ExerciseContext(exercise, principal, membership)
        if membership is None:
            raise NotFound(EXERCISE_NOT_FOUND)
        if self.roles and membership.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise Forbidden(
                f"Your role here is {membership.role}; this needs one of: {allowed}.",
                extra={"required_roles": sorted(self.roles)},
            )
        return ExerciseContext(exercise, principal, membership)


R = ExerciseRole
AnyMember = Annotated[ExerciseContext, Depends(ExerciseAccess())]
Instructor = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor))]
Staff = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor, R.analyst, R.investigator))]
Supervisors = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor))]
Intake = Annotated[ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor, R.analyst, R.reporter))]
ReportReaders = Annotated[
    ExerciseContext, Depends(ExerciseAccess(R.instructor, R.supervisor, R.analyst, R.investigator, R.reporter))
]
