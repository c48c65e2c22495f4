"""Shared fixtures: one migrated database per run, a rolled-back transaction per test, an app bound to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import CredentialKind, ExerciseRole, GlobalRole, User
from app.auth.principal import Principal
from app.auth.schemas import ApiTokenCreate, UserCreate
from app.core import security
from app.core.clock import ManualWallClock, use_wall_clock
from app.core.config import Settings
from app.db import ops
from app.db.session import Database, get_db, get_session_factory
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import ExerciseCreate
from app.main import create_app
from tests import dbs

TEST_SECRET = "test-secret-0123456789abcdef0123456789"


def pytest_report_header() -> str:
    return f"tipdesk test database: {dbs.BACKEND}"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Still argon2id, with the smallest parameters, so creating many users stays quick."""
    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dbs.fresh_database(tmp_path_factory.mktemp("db"), "main") as url:
        ops.upgrade(url, "head")
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="test", secret_key=TEST_SECRET, cors_origins=[])


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, whatever the code under test commits."""
    connection = database.engine.connect()
    transaction = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def _application(settings: Settings, database: Database) -> FastAPI:
    """One application for the whole run. A new one per test would build its routes again (FastAPI sets each route
    up on the first request that reaches its router) and its OpenAPI document, seconds in all for some tests."""
    return create_app(settings, database=database)


@pytest.fixture
def app(_application: FastAPI, settings: Settings, database: Database, session: Session) -> Iterator[FastAPI]:
    """The application bound to this test's session; what a test changes on it (settings, overrides) is undone."""
    application = _application

    def _test_db() -> Iterator[Session]:
        session.expunge_all()  # like production: nothing survives from one request to the next
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    application.state.settings, application.state.db = settings, database
    application.dependency_overrides[get_db] = _test_db
    application.dependency_overrides[get_session_factory] = lambda: lambda: session
    try:
        yield application
    finally:
        application.dependency_overrides.clear()
        application.state.settings, application.state.db = settings, database


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def wall_clock() -> Iterator[ManualWallClock]:
    with use_wall_clock(ManualWallClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))) as clock:
        assert isinstance(clock, ManualWallClock)
        yield clock


@dataclass
class Actor:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    """Builds users, tokens, exercises and memberships through the domain services."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    def user(
        self, role: GlobalRole = GlobalRole.user, *, username: str | None = None, password: str = "pw-12345678"
    ) -> Actor:
        name = username or f"u{uuid.uuid4().hex[:10]}"
        user = auth_service.create_user(
            self.session,
            principal=None,
            data=UserCreate(username=name, password=password, display_name=name.title(), role=role),
        )
        _cred, token = auth_service._issue(
            self.session, user=user, kind=CredentialKind.api, name="test", ttl=timedelta(days=1)
        )
        self.session.commit()
        return Actor(user, token)

    def scoped_token(self, actor: Actor, exercise_id: uuid.UUID) -> str:
        _cred, token = auth_service.create_api_token(
            self.session,
            principal=Principal(actor.user, None),
            data=ApiTokenCreate(name="scoped", exercise_id=exercise_id),
            settings=self.settings,
        )
        self.session.commit()
        return token

    def exercise(self, owner: Actor, **kw: object) -> Exercise:
        data = ExerciseCreate.model_validate({"name": f"Exercise {uuid.uuid4().hex[:6]}", **kw})
        exercise = exercises_service.create_exercise(self.session, data=data, principal=Principal(owner.user, None))
        self.session.commit()
        return exercise

    def member(self, exercise: Exercise, role: ExerciseRole) -> Actor:
        actor = self.user()
        auth_service.add_member(
            self.session,
            exercise=exercise,
            user=actor.user,
            role=role,
            unit_id=None,
            actor="system",
            at=exercises_service.clock_read(exercise).now,
        )
        self.session.commit()
        return actor


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
