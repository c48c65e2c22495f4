"""The demo exercise, its users and its reports (the ``demo`` scenario), for the README's Quick start. Only in
demo mode, never in production."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.config import Settings
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from seed import scenarios
from seed.loader import Summary, next_number, seed_exercise

DEMO_EXERCISE = "Demo exercise"
DEMO_SCENARIO = "demo"
DEMO_SEED = 1


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    global_role: GlobalRole
    exercise_role: ExerciseRole | None

    @property
    def role_label(self) -> str:
        return self.global_role.value if self.exercise_role is None else self.exercise_role.value


DEMO_USERS = (
    DemoUser("demo.admin", "demo-admin-pass", GlobalRole.admin, None),
    DemoUser("demo.instructor", "demo-instructor-pass", GlobalRole.instructor, ExerciseRole.instructor),
    DemoUser("demo.supervisor", "demo-supervisor-pass", GlobalRole.user, ExerciseRole.supervisor),
    DemoUser("demo.analyst", "demo-analyst-pass", GlobalRole.user, ExerciseRole.analyst),
    DemoUser("demo.investigator", "demo-investigator-pass", GlobalRole.user, ExerciseRole.investigator),
    DemoUser("demo.reporter", "demo-reporter-pass", GlobalRole.user, ExerciseRole.reporter),
    DemoUser("demo.observer", "demo-observer-pass", GlobalRole.user, ExerciseRole.observer),
)


@dataclass(frozen=True)
class DemoResult:
    exercise_id: uuid.UUID
    exercise_name: str
    seeded: Summary | None = None  # the reports seeded now (None when the exercise had them already)


def ensure_demo(settings: Settings) -> DemoResult:
    """Create the demo users and exercise if missing (idempotent)."""
    if not settings.demo_mode:
        raise RuntimeError("the demo exists only in demo mode (TIPDESK_DEMO_MODE=true)")
    db = Database(settings)
    try:
        with db.session_factory.begin() as session:
            users = {}
            for du in DEMO_USERS:
                user = auth_service.get_by_username(session, username=du.username)
                if user is None:
                    user = auth_service.create_user(
                        session,
                        principal=None,
                        data=UserCreate(
                            username=du.username,
                            password=du.password,
                            display_name=du.username.replace(".", " ").title(),
                            role=du.global_role,
                        ),
                    )
                    user.is_demo = True
                users[du.username] = user
            exercise = session.scalar(select(Exercise).where(Exercise.name == DEMO_EXERCISE))
            if exercise is None:
                instructor = users["demo.instructor"]
                principal = Principal(user=instructor, credential=None)
                exercise = exercises_service.create_exercise(
                    session,
                    principal=principal,
                    data=ExerciseCreate(name=DEMO_EXERCISE, description="Fabricated data for trying tipdesk out."),
                )
                for du in DEMO_USERS:
                    if du.exercise_role is None or du.username == "demo.instructor":
                        continue
                    auth_service.add_member(
                        session,
                        exercise=exercise,
                        user=users[du.username],
                        role=du.exercise_role,
                        unit_id=None,
                        actor=principal.actor,
                        at=exercises_service.clock_read(exercise).now,
                    )
            seeded = None
            if next_number(session, exercise.id) == 1:
                scenario = scenarios.load(DEMO_SCENARIO)
                seeded = seed_exercise(
                    session,
                    exercise=exercise,
                    scenario=scenario,
                    reports=scenario.reports,
                    seed=DEMO_SEED,
                    actor=Principal(users["demo.instructor"], None).actor,
                )
            return DemoResult(exercise_id=exercise.id, exercise_name=exercise.name, seeded=seeded)
    finally:
        db.dispose()
