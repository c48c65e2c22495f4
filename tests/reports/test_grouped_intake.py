"""Concurrent single submissions through the real application and committed data. On PostgreSQL, reports that one
submitter sends at the same moment are stored in groups (``app.reports.grouped``); on SQLite each request stores
its own. Either way every caller gets its own answer: its report, a replay, or its refusal; numbers have no gaps;
every report has its case; the event chain verifies."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole, User
from app.cases.models import Case
from app.db.session import Database
from app.events import service as events_service
from app.exercises.models import Exercise
from app.main import create_app
from app.reports.models import Report
from tests.conftest import Actor, Factory
from tests.reports.samples import build_report

CLIENTS = 16


@dataclass
class Committed:
    app: FastAPI
    client: TestClient
    exercise_id: uuid.UUID
    reporter: Actor


@pytest.fixture
def committed(database: Database) -> Iterator[Committed]:
    """An exercise with a reporter, and the app on the real database (commits stay); removed afterwards."""
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, database.settings)
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    app = create_app(database.settings, database=database)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Committed(app, client, exercise.id, reporter)
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == exercise.id))
        session.execute(delete(User).where(User.id.in_([owner.user.id, reporter.user.id])))
        session.commit()
        session.close()


def _hold_first_group(app: FastAPI, queued: int) -> None:
    """Make the first group wait (up to 10 s) until ``queued`` more submissions wait behind it, so the next group is
    sure to hold several."""
    groups = app.state.grouped_intake.groups
    run, held = groups._run, threading.Event()

    def holding(key: Any, items: Sequence[Any]) -> Any:
        if not held.is_set():
            held.set()
            deadline = time.monotonic() + 10
            while sum(len(q) for q in groups._queues.values()) < queued and time.monotonic() < deadline:
                time.sleep(0.005)
        return run(key, items)

    groups._run = holding


def test_concurrent_submissions_each_get_their_own_answer(committed: Committed, database: Database) -> None:
    grouped = committed.app.state.grouped_intake
    if database.settings.is_sqlite:
        assert grouped is None  # each request stores its own report under the database's write lock
    else:
        _hold_first_group(committed.app, queued=CLIENTS // 2)
    url = f"/api/v1/exercises/{committed.exercise_id}/reports"
    twin = build_report(100)
    unsafe = build_report(101)
    unsafe["reporter"]["reportingPerson"]["email"] = [{"value": "someone@gmail.com"}]

    def request(i: int) -> tuple[dict[str, Any], dict[str, str]]:
        if i in (1, 2):  # the same report sent twice with one key: stored once, the other answer is its replay
            return twin, {"Idempotency-Key": "twin"}
        if i == 3:
            return unsafe, {}
        return build_report(i), {"Idempotency-Key": f"k{i}"}

    answers: list[Any] = [None] * CLIENTS
    barrier = threading.Barrier(CLIENTS - 1)

    def call(i: int) -> None:
        if i:
            barrier.wait()
        body, headers = request(i)
        answers[i] = committed.client.post(url, json=body, headers={**committed.reporter.headers, **headers})

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CLIENTS)]
    threads[0].start()
    time.sleep(0.2)  # the first request leads; the others arrive together while it is being stored
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert answers[3].status_code == 422 and answers[3].headers["content-type"] == "application/problem+json"
    assert any(e["pointer"].endswith("/email/0/value") for e in answers[3].json()["errors"])
    stored = [a for i, a in enumerate(answers) if i != 3]
    assert [a.status_code for a in stored] == [201] * len(stored), [a.text for a in stored if a.status_code != 201]
    twins = [answers[1], answers[2]]
    assert twins[0].json()["id"] == twins[1].json()["id"]
    assert sorted(a.headers.get("idempotent-replayed", "") for a in twins) == ["", "true"]
    new = [a.json() for a in stored if a.headers.get("idempotent-replayed") != "true"]
    assert sorted(r["number"] for r in new) == list(range(1, CLIENTS - 1))  # one report per new answer, no gaps
    for i, a in enumerate(answers):
        if i not in (1, 2, 3):
            summary = build_report(i)["incidentSummary"]
            assert a.json()["section_a"]["incidentSummary"]["incidentType"] == summary["incidentType"]
            assert a.headers["location"].endswith(a.json()["id"])
    with database.read_session_factory() as s:
        reports = s.scalars(select(Report).where(Report.exercise_id == committed.exercise_id)).all()
        assert sorted(r.number for r in reports) == list(range(1, CLIENTS - 1))
        assert {str(r.id) for r in reports} == {r["id"] for r in new}
        cases = s.scalars(select(Case.id).where(Case.exercise_id == committed.exercise_id)).all()
        assert {r.case_id for r in reports} <= set(cases)
        verified = events_service.verify(s, exercise_id=committed.exercise_id)
        assert verified.ok, verified
    if grouped is not None:
        sizes = grouped.groups.batch_sizes
        assert sum(size * n for size, n in sizes.items()) == CLIENTS
        assert max(sizes) > 1, sizes
