"""Users, their credentials (login sessions and API tokens) and exercise memberships."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin

if TYPE_CHECKING:
    from app.units.models import Unit


class GlobalRole(StrEnum):
    """What a user may do outside any exercise."""

    admin = "admin"  # everything, every exercise
    instructor = "instructor"  # may create users and exercises
    user = "user"  # only what exercise memberships grant


class ExerciseRole(StrEnum):
    instructor = "instructor"
    supervisor = "supervisor"
    analyst = "analyst"
    investigator = "investigator"
    reporter = "reporter"  # intake only
    observer = "observer"  # read-only statistics


class CredentialKind(StrEnum):
    session = "session"  # from POST /auth/token, short-lived
    api = "api"  # personal API token for scripts


class User(IdMixin, Base):
    __tablename__ = "user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[GlobalRole] = mapped_column(String(16), default=GlobalRole.user)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())  # usable only in demo mode
    created_at: Mapped[datetime]


class Credential(IdMixin, Base):
    """A bearer secret. Only its SHA-256 is stored; the secret itself is shown once."""

    __tablename__ = "credential"
    __table_args__ = (Index("ix_credential_user_id_kind", "user_id", "kind"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[CredentialKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    exercise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class LoginFailure(IdMixin, Base):
    """Failed logins, counted per username and per address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Membership(IdMixin, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("exercise_id", "user_id"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[ExerciseRole] = mapped_column(String(16))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="raise")
    unit: Mapped[Unit | None] = relationship(lazy="raise")
