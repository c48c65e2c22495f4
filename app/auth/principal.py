"""Who is calling (the user and the credential they presented), and in which exercise with which role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.auth.models import Credential, ExerciseRole, GlobalRole, Membership, User
from app.core.clock import ExerciseClock
from app.events.service import actor_for_user

if TYPE_CHECKING:
    from app.exercises.models import Exercise


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


@dataclass(frozen=True, slots=True)
class ExerciseContext:
    """An exercise the caller may act in, with the caller's role there (None for an admin who is not a member)."""

    exercise: Exercise
    principal: Principal
    membership: Membership | None

    @property
    def role(self) -> ExerciseRole | None:
        return self.membership.role if self.membership else None

    @property
    def actor(self) -> str:
        return self.principal.actor

    @property
    def clock(self) -> ExerciseClock:
        return ExerciseClock(self.exercise.clock_state)

    def now(self) -> datetime:
        return self.clock.now()
