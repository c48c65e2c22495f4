"""HTTP: login, users, personal API tokens, and who am I."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import errors, service
from app.auth.dependencies import CurrentPrincipal
from app.auth.schemas import (
    AccessToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    MembershipSummary,
    MeRead,
    UserCreate,
    UserRead,
)
from app.core.errors import Forbidden, Unauthorized, UnprocessableEntity, error_response
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep

router = APIRouter(tags=["auth"])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/token",
    response_model=AccessToken,
    summary="Log in (OAuth2 password flow)",
    responses=err(errors.InvalidCredentials, errors.LoginThrottled, 422),
)
def login(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> AccessToken | JSONResponse:
    """Exchange a username and password for a bearer token that expires. Failed attempts are counted per
    username and per client address; past the limit the endpoint answers 429 until the window passes."""
    settings = request.app.state.settings
    address = _client_address(request)
    service.check_throttle(session, username=form.username, address=address, settings=settings)
    user = service.authenticate(session, username=form.username, password=form.password, settings=settings)
    if user is None:
        # answered, not raised: the failure must commit with this request so it counts towards the throttle
        service.record_failure(session, username=form.username, address=address)
        return error_response(errors.InvalidCredentials("Unknown username or wrong password."), request)
    cred, secret = service.issue_session_token(session, user=user, settings=settings)
    return AccessToken(
        access_token=secret, expires_in=settings.access_token_ttl_minutes * 60, expires_at=cred.expires_at
    )


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the token used for this call",
    responses=err(Unauthorized),
)
def logout(session: SessionDep, principal: CurrentPrincipal) -> Response:
    service.revoke_current(session, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeRead, summary="Who am I", responses=err(Unauthorized))
def me(session: SessionDep, principal: CurrentPrincipal) -> MeRead:
    memberships = service.memberships_of(session, user_id=principal.user.id)
    if principal.scope is not None:
        memberships = [m for m in memberships if m.exercise_id == principal.scope]
    return MeRead(
        user=UserRead.model_validate(principal.user),
        credential=ApiTokenRead.model_validate(principal.credential),
        memberships=[MembershipSummary.model_validate(m) for m in memberships],
    )


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Create a user",
    responses=err(Unauthorized, Forbidden, errors.UsernameTaken, UnprocessableEntity),
)
def create_user(session: SessionDep, principal: CurrentPrincipal, data: UserCreate, response: Response) -> UserRead:
    """Admins and instructors create users; only admins create admins and instructors."""
    user = service.create_user(session, data=data, principal=principal)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserRead.model_validate(user)


@router.get("/users", response_model=Page[UserRead], summary="List users", responses=err(Unauthorized, Forbidden))
def list_users(session: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[UserRead]:
    rows, cursor, total = service.list_users(session, principal=principal, params=page)
    return Page(items=[UserRead.model_validate(u) for u in rows], next_cursor=cursor, total=total)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiTokenCreated,
    summary="Create a personal API token",
    responses=err(Unauthorized, Forbidden, UnprocessableEntity),
)
def create_token(
    request: Request, session: SessionDep, principal: CurrentPrincipal, data: ApiTokenCreate
) -> ApiTokenCreated:
    """The secret is in this response only; tipdesk keeps its SHA-256."""
    cred, secret = service.create_api_token(
        session, principal=principal, data=data, settings=request.app.state.settings
    )
    return ApiTokenCreated.model_validate({**ApiTokenRead.model_validate(cred).model_dump(), "token": secret})


@router.get("/tokens", response_model=Page[ApiTokenRead], summary="List your API tokens", responses=err(Unauthorized))
def list_tokens(session: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[ApiTokenRead]:
    rows, cursor, total = service.list_tokens(session, principal=principal, params=page)
    return Page(items=[ApiTokenRead.model_validate(c) for c in rows], next_cursor=cursor, total=total)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API token",
    responses=err(Unauthorized, errors.TokenNotFound),
)
def revoke_token(session: SessionDep, principal: CurrentPrincipal, token_id: uuid.UUID) -> Response:
    service.revoke_token(session, principal=principal, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
