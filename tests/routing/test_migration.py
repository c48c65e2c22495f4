"""The routing migration gives exercises that existed before it the review unit and the default ruleset, active;
its downgrade removes both."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, joinedload

from app.auth import service as auth_service
from app.auth.models import GlobalRole
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.core.config import Settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from app.routing import service as routing_service
from app.routing.explanations import explanation_id
from app.routing.models import RoutingDecision
from seed import scenarios
from seed.loader import seed_exercise
from tests import dbs

BEFORE = "dfc4188b1609"  # the routing revision's down_revision
ROUTING = "3f8b2c6d9e17"
EXPLANATIONS_BEFORE = "3b8f2d6a9c14"  # the routing-explanation revision's down_revision


def _exercise(session: Session, *, owner: str, name: str) -> Exercise:
    """A new exercise (the id-polri template, its default ruleset active) owned by a new instructor."""
    user = auth_service.create_user(
        session,
        principal=None,
        data=UserCreate(username=owner, password="pw-12345678", display_name="O", role=GlobalRole.instructor),
    )
    data = ExerciseCreate.model_validate({"name": name})
    return exercises_service.create_exercise(session, data=data, principal=Principal(user, None))


def test_existing_exercises_get_the_default_ruleset_and_the_review_unit(tmp_path: Path) -> None:
    with dbs.fresh_database(tmp_path, "migdata") as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="t" * 40))
        try:
            with db.session_factory.begin() as s:
                exercise_id = _exercise(s, owner="mig-owner", name="before routing").id
        finally:
            db.dispose()
        ops.downgrade(url, BEFORE)  # as if the exercise had been made before routing existed
        engine = create_engine(url)
        try:
            with engine.connect() as c:
                review = c.execute(text("SELECT count(*) FROM unit WHERE code = 'dittipidsiber.review'")).scalar()
                assert review == 0
            ops.upgrade(url, ROUTING)
            with engine.connect() as c:
                rows = c.execute(text("SELECT exercise_id, version, status, rules FROM routing_ruleset")).all()
                assert [(uuid.UUID(str(r[0])), r[1], r[2]) for r in rows] == [(exercise_id, 1, "active")]
                default = routing_service.default_ruleset("id-polri")
                assert default is not None
                stored = rows[0][3] if isinstance(rows[0][3], list) else json.loads(rows[0][3])
                assert stored == [r.model_dump(mode="json", exclude_none=True) for r in default.rules]
                parent = c.execute(
                    text(
                        "SELECT p.code FROM unit u JOIN unit p ON p.id = u.parent_id "
                        "WHERE u.code = 'dittipidsiber.review'"
                    )
                ).scalar()
                assert parent == "dittipidsiber"
        finally:
            engine.dispose()


def _json(value: Any) -> Any:
    return value if isinstance(value, dict) else json.loads(value)


def test_explanations_move_to_their_own_table_and_back(tmp_path: Path) -> None:
    """Upgrading stores each distinct explanation once, under the id intake derives for it, and every decision reads
    the explanation it had; downgrading copies each back into its decisions."""
    with dbs.fresh_database(tmp_path, "migexpl") as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="t" * 40))
        try:
            with db.session_factory.begin() as s:
                exercise = _exercise(s, owner="mig-expl", name="routed")
                seed_exercise(s, exercise=exercise, scenario=scenarios.load("demo"), reports=80, seed=3, actor="t")
            with db.session_factory() as s:
                query = select(RoutingDecision).options(joinedload(RoutingDecision.explanation_ref))
                before = {d.id: d.explanation for d in s.scalars(query)}
        finally:
            db.dispose()
        distinct = {json.dumps(e, sort_keys=True) for e in before.values()}
        assert len(before) >= 60 and 1 < len(distinct) < len(before)
        ops.downgrade(url, EXPLANATIONS_BEFORE)
        engine = create_engine(url)
        try:
            with engine.connect() as c:
                rows = c.execute(text("SELECT id, explanation FROM routing_decision")).all()
            assert {uuid.UUID(str(i)): _json(e) for i, e in rows} == before
            ops.upgrade(url, "head")
            with engine.connect() as c:
                moved = c.execute(
                    text(
                        "SELECT d.id, d.exercise_id, d.explanation_id, e.body FROM routing_decision d "
                        "JOIN routing_explanation e ON e.id = d.explanation_id"
                    )
                ).all()
                stored = c.execute(text("SELECT count(*) FROM routing_explanation")).scalar()
        finally:
            engine.dispose()
        assert {uuid.UUID(str(r[0])): _json(r[3]) for r in moved} == before
        assert all(uuid.UUID(str(r[2])) == explanation_id(uuid.UUID(str(r[1])), _json(r[3])) for r in moved)
        assert stored == len(distinct)
