"""Who is calling: the user and the credential they presented."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.auth.models import Credential, GlobalRole, User
from app.events.service import actor_for_user


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    credential: Credential | None  # None for the CLI and the seeder, which act without a token

    @property
    def is_admin(self) -> bool:
        return self.user.role == GlobalRole.admin

    @property
    def can_manage_users(self) -> bool:
        return self.user.role in (GlobalRole.admin, GlobalRole.instructor)

    @property
    def scope(self) -> uuid.UUID | None:
        """The one exercise this credential is limited to, if any."""
        return self.credential.exercise_id if self.credential else None

    @property
    def actor(self) -> str:
        return actor_for_user(self.user.id)
