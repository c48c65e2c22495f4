"""Exercise creation time per organisation template: ``empty`` (no units, the baseline) against every other
template, in the same run, on the database given by TIPDESK_DATABASE_URL (migrated first).

    python bench/exercise_create.py --repeat 20

Prints, per template, the units and jurisdiction areas cloned and the median and worst creation time (one
transaction each: the exercise, its event stream, the cloned template, the first events and the membership).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from sqlalchemy import delete

from app.auth import service as auth_service
from app.auth.models import GlobalRole, User
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.config import get_settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from app.units import templates


def _user(db: Database) -> uuid.UUID:
    with db.session_factory.begin() as s:
        user = auth_service.create_user(
            s,
            principal=None,
            data=UserCreate(
                username=f"bench{uuid.uuid4().hex[:8]}",
                password="bench-password",
                display_name="Bench",
                role=GlobalRole.instructor,
            ),
        )
        return user.id


def _create(db: Database, user_id: uuid.UUID, template: str) -> tuple[float, uuid.UUID]:
    start = time.perf_counter()
    with db.session_factory.begin() as s:
        user = s.get(User, user_id)
        assert user is not None
        data = ExerciseCreate(name="bench", org_template=template)
        exercise_id = exercises_service.create_exercise(s, data=data, principal=Principal(user, None)).id
    return time.perf_counter() - start, exercise_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    settings = get_settings()
    ops.upgrade(settings.database_url, "head")
    db = Database(settings)
    user_id = _user(db)
    created: list[uuid.UUID] = []
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}  exercises/template: {args.repeat}")
    print(f"{'template':>10}  {'units':>5}  {'areas':>5}  {'median ms':>9}  {'max ms':>7}  {'vs empty':>8}")
    names = ["empty", *(n for n in templates.available_templates() if n != "empty")]
    baseline = 0.0
    for name in names:
        template = templates.load_template(name)
        _create(db, user_id, name)  # warm-up
        times = []
        for _ in range(args.repeat):
            took, exercise_id = _create(db, user_id, name)
            times.append(took)
            created.append(exercise_id)
        median = statistics.median(times)
        baseline = baseline or median
        areas = len(getattr(template, "areas", ()))
        print(
            f"{name:>10}  {len(template.units):>5}  {areas:>5}  {median * 1000:>9.1f}  {max(times) * 1000:>7.1f}"
            f"  {median / baseline:>8.1f}"
        )
    with db.session_factory.begin() as s:
        s.execute(delete(Exercise).where(Exercise.id.in_(created)))
        s.execute(delete(User).where(User.id == user_id))
    db.dispose()


if __name__ == "__main__":
    main()
