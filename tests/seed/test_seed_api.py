"""POST .../seed starts a background job; GET /jobs/{id} follows it; answer keys are for instructors only; a failed
job leaves the exercise as it was."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole, Membership
from app.cases.models import Case
from app.events.models import Event
from app.exercises.models import Exercise, ExerciseStatus
from app.jobs import service as jobs_service
from app.jobs.models import Job, JobStatus
from app.reports.models import Report
from app.seeding.models import AnswerKey
from seed import loader
from tests.conftest import Actor, Factory

CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}
PROBLEM = "urn:tipdesk:problem:"


@pytest.fixture
def world(factory: Factory) -> tuple[Actor, Exercise]:
    owner = factory.user(GlobalRole.instructor)
    return owner, factory.exercise(owner, clock=CLOCK)


def _seed(client: TestClient, actor: Actor, exercise: Exercise, **body: Any) -> Any:
    return client.post(f"/api/v1/exercises/{exercise.id}/seed", json=body, headers=actor.headers)


def _counts(session: Session, exercise_id: uuid.UUID) -> tuple[int | None, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model).where(model.exercise_id == exercise_id))
        for model in (Report, Case, Event, AnswerKey, Membership)
    )


def test_an_instructor_seeds_and_follows_the_job(client: TestClient, world: tuple[Actor, Exercise]) -> None:
    owner, exercise = world
    r = _seed(client, owner, exercise, scenario="classroom", reports=40, seed=3)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["total"] == 40 and job["params"]["scenario"] == "classroom"
    assert r.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    r = client.get(r.headers["Location"], headers=owner.headers)
    assert r.status_code == 200
    done = r.json()
    assert (done["status"], done["done"], done["progress"]) == ("succeeded", 40, 1.0)
    assert done["result"]["reports"] == 40 and sum(done["result"]["by_expected_priority"].values()) == 40
    reports = client.get(f"/api/v1/exercises/{exercise.id}/reports?limit=100", headers=owner.headers).json()
    assert len(reports["items"]) == 40 and {i["source"] for i in reports["items"]} == {"seed"}
    keys = client.get(f"/api/v1/exercises/{exercise.id}/answer-keys?limit=25", headers=owner.headers).json()
    assert [k["report_number"] for k in keys["items"]] == list(range(1, 26)) and keys["next_cursor"]
    first = reports["items"][0]
    r = client.get(f"/api/v1/exercises/{exercise.id}/reports/{first['id']}/answer-key", headers=owner.headers)
    assert r.status_code == 200
    key = r.json()
    assert key["report_id"] == first["id"] and key["expected_priority"] in ("E", "1", "2", "3")
    assert key["routing_basis"] == "default_ruleset" and key["expected_unit"]["name"] and key["rationale"]
    assert key["expected_unit"]["name"] in key["analyst_note"]
    urgent = client.get(
        f"/api/v1/exercises/{exercise.id}/answer-keys?should_escalate=true&priority=E", headers=owner.headers
    ).json()
    assert all(k["should_escalate"] and k["expected_priority"] == "E" for k in urgent["items"])


def test_who_may_seed_and_read_answer_keys(client: TestClient, factory: Factory, world: tuple[Actor, Exercise]) -> None:
    owner, exercise = world
    analyst = factory.member(exercise, ExerciseRole.analyst)
    stranger = factory.user(GlobalRole.instructor)
    assert _seed(client, analyst, exercise, scenario="demo").status_code == 403
    assert _seed(client, stranger, exercise, scenario="demo").status_code == 404
    r = _seed(client, owner, exercise, scenario="classroom", reports=5)
    job_id = r.json()["id"]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=analyst.headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{job_id}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=owner.headers).status_code == 404
    report_id = client.get(f"/api/v1/exercises/{exercise.id}/reports", headers=owner.headers).json()["items"][0]["id"]
    path = f"/api/v1/exercises/{exercise.id}/reports/{report_id}/answer-key"
    assert client.get(path, headers=analyst.headers).status_code == 403
    assert client.get(path, headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/exercises/{exercise.id}/answer-keys", headers=analyst.headers).status_code == 403
    missing = client.get(f"/api/v1/exercises/{exercise.id}/reports/{uuid.uuid4()}/answer-key", headers=owner.headers)
    assert missing.status_code == 404 and missing.json()["type"] == PROBLEM + "not-found"


def test_a_posted_report_has_no_answer_key(client: TestClient, world: tuple[Actor, Exercise]) -> None:
    owner, exercise = world
    body = {"incidentSummary": {"incidentType": "Child Sex Tourism", "incidentDateTime": "2026-03-01T08:00:00Z"}}
    body["reporter"] = {"reportingPerson": {}}  # type: ignore[assignment]
    r = client.post(f"/api/v1/exercises/{exercise.id}/reports", json=body, headers=owner.headers)
    assert r.status_code == 201
    r = client.get(f"/api/v1/exercises/{exercise.id}/reports/{r.json()['id']}/answer-key", headers=owner.headers)
    assert r.status_code == 404 and "not seeded" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"scenario": "nope"},
        {},
        {"scenario": "demo", "reports": 0},
        {"scenario": "demo", "reports": 1_000_001},
        {"scenario": "demo", "seed": -1},
        {"scenario": "demo", "seed": "1"},
        {"scenario": "demo", "extra": 1},
    ],
)
def test_bad_requests_are_422(client: TestClient, world: tuple[Actor, Exercise], body: dict[str, Any]) -> None:
    owner, exercise = world
    r = _seed(client, owner, exercise, **body)
    assert r.status_code == 422 and r.json()["type"] == PROBLEM + "validation-error"


def test_a_closed_exercise_is_not_seeded(client: TestClient, session: Session, world: tuple[Actor, Exercise]) -> None:
    owner, exercise = world
    exercise.status = ExerciseStatus.closed
    session.commit()
    r = _seed(client, owner, exercise, scenario="demo")
    assert r.status_code == 409 and r.json()["type"] == PROBLEM + "exercise-not-seedable"


def test_one_seeding_job_at_a_time(client: TestClient, session: Session, world: tuple[Actor, Exercise]) -> None:
    owner, exercise = world
    running = Job(
        exercise_id=exercise.id,
        kind="seed",
        status=JobStatus.running,
        params={},
        total=1,
        done=0,
        worker=jobs_service.this_worker(),
        created_by_id=owner.user.id,
        created_at=exercise.created_at,
        updated_at=exercise.created_at,
    )
    session.add(running)
    session.commit()
    r = _seed(client, owner, exercise, scenario="demo")
    assert r.status_code == 409 and r.json()["type"] == PROBLEM + "job-in-progress"
    assert r.json()["job_id"] == str(running.id)
    running.worker = "localhost-gone:999999999"  # another host: not judged from here
    session.commit()
    assert _seed(client, owner, exercise, scenario="demo").status_code == 409


def test_a_job_of_a_process_that_is_gone_is_marked_failed(
    client: TestClient, session: Session, world: tuple[Actor, Exercise]
) -> None:
    owner, exercise = world
    job = Job(
        exercise_id=exercise.id,
        kind="seed",
        status=JobStatus.running,
        params={},
        total=1,
        done=0,
        worker=jobs_service.this_worker().rsplit(":", 1)[0] + ":999999999",
        created_by_id=owner.user.id,
        created_at=exercise.created_at,
        updated_at=exercise.created_at,
    )
    session.add(job)
    session.commit()
    r = client.get(f"/api/v1/jobs/{job.id}", headers=owner.headers)
    assert r.json()["status"] == "failed" and r.json()["error"]["type"] == PROBLEM + "job-interrupted"
    assert _seed(client, owner, exercise, scenario="classroom", reports=3).status_code == 202


def test_a_failed_job_leaves_the_exercise_as_it_was(
    client: TestClient, session: Session, world: tuple[Actor, Exercise], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, exercise = world
    before = _counts(session, exercise.id)
    real_store, calls = loader._store, []

    def store_then_fail(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real_store(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_store", store_then_fail)
    r = _seed(client, owner, exercise, scenario="classroom", reports=30)
    assert r.status_code == 202 and calls
    job = client.get(r.headers["Location"], headers=owner.headers).json()
    assert job["status"] == "failed" and job["result"] is None
    assert job["error"]["type"] == PROBLEM + "job-failed" and "disk full" not in job["error"]["detail"]
    session.expire_all()
    assert _counts(session, exercise.id) == before
