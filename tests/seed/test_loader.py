"""Seeding through intake's store: a seeded report and the same report submitted are equal records apart from ids
and times; bundles, answer keys, events and numbering."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import CredentialKind, ExerciseRole, GlobalRole, Membership, User
from app.auth.principal import ExerciseContext, Principal
from app.cases.models import Case
from app.events import service as events_service
from app.events.models import Event
from app.exercises.models import Exercise
from app.reports import service as reports_service
from app.reports.document import FileDetails
from app.reports.document import Report as ReportDocument
from app.reports.intake import FileRecord
from app.reports.models import Indicator, Report, ReportFile, ReportSource
from app.routing.models import RoutingDecision
from app.seeding.models import AnswerKey
from seed import scenarios
from seed.loader import Summary, seed_exercise
from tests.conftest import Factory

CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}
REPORT_SAME = ("id", "number", "case_id", "received_at", "recorded_at", "source")
CASE_SAME = ("id", "number", "created_at", "updated_at")


def seeded(session: Session, factory: Factory, scenario: str, reports: int, seed: int = 2) -> tuple[Exercise, Summary]:
    owner = factory.user(role=GlobalRole.instructor)
    exercise = factory.exercise(owner, clock=CLOCK)
    summary = seed_exercise(
        session, exercise=exercise, scenario=scenarios.load(scenario), reports=reports, seed=seed, actor="system"
    )
    session.commit()
    return exercise, summary


def _columns(row: Any, skip: tuple[str, ...]) -> dict[str, Any]:
    """The row's columns but ids and times (every datetime: arrival, and the SLA clocks that follow from it)."""
    values = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}
    return {k: v for k, v in values.items() if not isinstance(v, datetime)}


def _record(session: Session, report: Report) -> dict[str, Any]:
    case = session.get(Case, report.case_id)
    indicators = session.scalars(select(Indicator).where(Indicator.report_id == report.id)).all()
    files = session.scalars(select(ReportFile).where(ReportFile.report_id == report.id)).all()
    subjects = [str(report.id), str(case.id) if case else ""]
    events = session.scalars(
        select(Event).where(Event.exercise_id == report.exercise_id, Event.subject_id.in_(subjects))
    ).all()
    drop = {"number", "case_id", "report_number", "source", "decision_id"}
    return {
        "report": _columns(report, REPORT_SAME),
        "case": _columns(case, CASE_SAME),
        "indicators": sorted((i.kind, i.scope, i.value, i.value_hash, i.pointer) for i in indicators),
        "files": sorted((f.file_id, f.file_name, f.size, f.md5, f.sha1, f.sha256, str(f.details)) for f in files),
        "events": sorted(
            (e.type, e.actor, str({k: v for k, v in (e.data or {}).items() if k not in drop})) for e in events
        ),
    }


def _esp_context(session: Session, exercise: Exercise, user_id: uuid.UUID) -> ExerciseContext:
    user = session.get(User, user_id)
    assert user is not None
    membership = auth_service.get_membership(session, exercise_id=exercise.id, user_id=user.id)
    assert membership is not None and membership.role == ExerciseRole.reporter
    return ExerciseContext(exercise, Principal(user, None), membership)


def test_a_seeded_report_equals_the_same_report_posted(session: Session, factory: Factory, client: TestClient) -> None:
    exercise, _ = seeded(session, factory, "classroom", 150)
    original = session.scalar(
        select(Report)
        .where(Report.exercise_id == exercise.id, Report.file_count == 0, Report.classification == "referral")
        .order_by(Report.number)
        .limit(1)
    )
    assert original is not None and original.source == ReportSource.seed
    assert original.reporter_id is not None
    user = session.get(User, original.reporter_id)
    assert user is not None
    _, token = auth_service._issue(session, user=user, kind=CredentialKind.api, name="esp", ttl=timedelta(days=1))
    session.commit()
    document = original.document
    r = client.post(
        f"/api/v1/exercises/{exercise.id}/reports", json=document, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201, r.text
    posted = session.get(Report, uuid.UUID(r.json()["id"]))
    assert posted is not None and posted.source == ReportSource.api
    assert _record(session, posted) == _record(session, original)


def test_a_seeded_report_with_files_equals_the_same_report_submitted(session: Session, factory: Factory) -> None:
    exercise, _ = seeded(session, factory, "classroom", 150)
    original = session.scalar(
        select(Report).where(Report.exercise_id == exercise.id, Report.file_count >= 2).order_by(Report.number)
    )
    assert original is not None and original.reporter_id is not None
    position = {  # the order the files were submitted in, which their indicators' pointers record
        i.value: int(i.pointer.split("/")[2])
        for i in session.scalars(select(Indicator).where(Indicator.report_id == original.id, Indicator.kind == "md5"))
        if i.pointer.endswith("/md5")
    }
    stored = sorted(reports_service.files_of(session, report=original), key=lambda f: position[f.md5 or ""])
    files = [
        FileRecord(f.file_id, f.file_name, f.size, f.md5, f.sha1, f.sha256, FileDetails.model_validate(f.details))
        for f in stored
    ]
    intake = reports_service.submit(
        session,
        ctx=_esp_context(session, exercise, original.reporter_id),
        document=ReportDocument.model_validate(original.document),
        source=ReportSource.api,
        idempotency_key=None,
        files=files,
    )
    assert _record(session, intake.report) == _record(session, original)


def test_seeding_stores_every_report_with_its_answer_key(session: Session, factory: Factory) -> None:
    exercise, summary = seeded(session, factory, "demo", 400)

    def count(model: type[Report] | type[AnswerKey] | type[Case]) -> int | None:
        return session.scalar(select(func.count()).select_from(model).where(model.exercise_id == exercise.id))

    assert summary.reports == count(Report) == count(AnswerKey) == 400
    assert (summary.first_number, summary.last_number) == (1, 400)
    assert sum(summary.by_type.values()) == sum(summary.by_priority.values()) == 400
    keys = {k.report_number: k for k in session.scalars(select(AnswerKey).where(AnswerKey.exercise_id == exercise.id))}
    reports = {r.number: r for r in session.scalars(select(Report).where(Report.exercise_id == exercise.id))}
    routed = session.scalars(select(RoutingDecision).where(RoutingDecision.exercise_id == exercise.id))
    decisions = {d.report_id: d for d in routed}
    assert len(decisions) == count(Case)  # every case was routed on intake
    agreed = 0
    for number, key in keys.items():
        report = reports[number]
        assert key.report_id == report.id and key.rationale
        if key.duplicate_of is not None:
            assert key.duplicate_of < number
            if key.duplicate_kind == "exact":
                assert reports[key.duplicate_of].request_hash == report.request_hash
        if key.location in ("regency", "district"):
            assert (report.location_province, report.location_regency_code) == (
                key.details["place"]["province"],
                key.details["place"]["regency_code"],
            )
            # the answer key is what routing did, wherever Section B placed the user where the truth has them
            decision = decisions.get(report.id)
            if decision is not None and report.location_district == key.details["place"]["district"]:
                assert key.expected_unit_id == decision.unit_id, (number, key.rationale, decision.explanation)
                agreed += 1
        if key.location in ("mobile", "abroad", "unresolved"):
            assert key.expected_unit_code == "dittipidsiber"
    assert agreed > 100
    files = session.scalars(select(ReportFile).where(ReportFile.exercise_id == exercise.id)).all()
    numbers = {r.id: n for n, r in reports.items()}
    assert files and all(f.details is not None and f.details["reportId"] == numbers[f.report_id] for f in files)
    assert events_service.verify(session, exercise_id=exercise.id).ok
    seeded_events = session.scalars(
        select(Event).where(Event.exercise_id == exercise.id, Event.type == "exercise.seeded")
    )
    assert [e.data["reports"] for e in seeded_events] == [400]


def test_batched_reports_of_a_bundle_share_one_case(session: Session, factory: Factory) -> None:
    exercise, _ = seeded(session, factory, "viral-bundle", 400)
    rows = session.execute(
        select(AnswerKey.bundle, Report.reporter_id, Report.case_id)
        .join(Report, Report.id == AnswerKey.report_id)
        .where(AnswerKey.exercise_id == exercise.id, AnswerKey.bundle.is_not(None))
    ).all()
    assert len(rows) > 100
    cases: dict[tuple[str, uuid.UUID | None], set[uuid.UUID | None]] = {}
    for bundle, reporter, case_id in rows:
        cases.setdefault((bundle, reporter), set()).add(case_id)
    assert all(len(c) == 1 for c in cases.values())


def test_seeding_again_continues_the_numbers(session: Session, factory: Factory) -> None:
    exercise, first = seeded(session, factory, "classroom", 60)
    second = seed_exercise(
        session, exercise=exercise, scenario=scenarios.load("classroom"), reports=30, seed=9, actor="system"
    )
    assert (first.last_number, second.first_number, second.last_number) == (60, 61, 90)
    memberships = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.exercise_id == exercise.id)
    )
    assert memberships == 1 + 12  # the instructor and one reporter per ESP, added once
