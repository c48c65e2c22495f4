"""Request and response models for users, tokens and memberships."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.auth.models import CredentialKind, ExerciseRole, GlobalRole
from app.core.schemas import ReadSchema, Schema

Username = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$"),
    Field(description="3-64 characters: lower-case letters, digits, '.', '_' or '-'.", examples=["analyst.one"]),
]
Password = Annotated[str, Field(min_length=8, max_length=256, description="8-256 characters.")]


class UserCreate(Schema):
    username: Username
    password: Password
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: GlobalRole = Field(
        default=GlobalRole.user, description="Global role. Only an admin may create admins or instructors."
    )


class UserRead(ReadSchema):
    id: uuid.UUID
    username: str
    display_name: str
    role: GlobalRole
    is_active: bool
    created_at: datetime


class AccessToken(Schema):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")
    expires_at: datetime


class ApiTokenCreate(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_in_days: int = Field(default=90, ge=1, le=3650, description="Lifetime; capped by the server's maximum.")
    exercise_id: uuid.UUID | None = Field(
        default=None, description="Scope the token to one exercise: it then sees nothing of any other."
    )


class ApiTokenRead(ReadSchema):
    id: uuid.UUID
    kind: CredentialKind
    name: str
    token_prefix: str = Field(description="The first characters of the secret, to recognise it.")
    exercise_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret. Shown only in this response; store it now.")


class MembershipSummary(ReadSchema):
    exercise_id: uuid.UUID
    role: ExerciseRole
    unit_id: uuid.UUID | None


class MeRead(Schema):
    user: UserRead
    credential: ApiTokenRead
    memberships: list[MembershipSummary]


class MembershipCreate(Schema):
    username: Username
    role: ExerciseRole
    unit_id: uuid.UUID | None = None


class MembershipRead(ReadSchema):
    id: uuid.UUID
    exercise_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    display_name: str
    role: ExerciseRole
    unit_id: uuid.UUID | None
    created_at: datetime


class MembershipUpdate(Schema):
    role: ExerciseRole | None = None
    unit_id: uuid.UUID | None = Field(default=None, description="A unit of this exercise; null clears it.")
