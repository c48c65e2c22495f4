"""Row ids are UUID version 7: time-ordered (so indexes take new entries at their end), random in the rest."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.cases.models import Case
from app.core.ids import new_id
from app.reports.models import Indicator, Report
from tests.conftest import Factory
from tests.routing.support import report as routed_report


def _millis(u: uuid.UUID) -> int:
    return u.int >> 80


def test_new_ids_are_version_7_and_ascend_with_time() -> None:
    ids = [new_id() for _ in range(2000)]
    assert all(isinstance(u, uuid.UUID) and u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert len(set(ids)) == len(ids)
    times = [_millis(u) for u in ids]
    assert times == sorted(times)
    assert len({u.int & ((1 << 62) - 1) for u in ids}) == len(ids)  # the random tail differs


def test_stored_rows_get_version_7_ids(client: TestClient, session: Session, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)  # the ORM default: the exercise's own id
    reporter = factory.member(exercise, ExerciseRole.reporter)
    doc = routed_report(city="Kota Bandung")
    r = client.post(f"/api/v1/exercises/{exercise.id}/reports", headers=reporter.headers, json=doc)
    assert r.status_code == 201, r.text
    report = session.scalars(select(Report).where(Report.exercise_id == exercise.id)).one()
    case = session.get_one(Case, report.case_id)
    indicators = session.scalars(select(Indicator).where(Indicator.report_id == report.id)).all()
    assert indicators
    assert {u.version for u in (exercise.id, report.id, case.id, *(i.id for i in indicators))} == {7}
