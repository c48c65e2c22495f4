"""Rows that belong to a report (files, indicators, answer key) point at it by (exercise, report): one key that
refuses a row naming another exercise or a missing report, and takes the rows with the report when it goes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import GlobalRole
from app.db.base import Base
from app.reports.models import Indicator, Report, ReportFile
from app.seeding.models import AnswerKey
from tests.conftest import Factory
from tests.seed.test_loader import seeded

ROWS: list[type[Base]] = [Indicator, ReportFile, AnswerKey]


def _report_with_rows(session: Session, factory: Factory) -> Report:
    exercise, _ = seeded(session, factory, "demo", 12)
    for report in session.scalars(select(Report).where(Report.exercise_id == exercise.id).order_by(Report.number)):
        if report.file_count and session.scalar(select(func.count()).where(Indicator.report_id == report.id)):
            return report
    raise AssertionError("the seeded reports should include one with files and indicators")


def _copy(session: Session, model: type[Base], report: Report, **changes: Any) -> Base:
    row = session.scalars(select(model).where(model.report_id == report.id).limit(1)).one()  # type: ignore[attr-defined]
    values = {c.key: getattr(row, c.key) for c in model.__table__.columns}
    values.update(id=uuid.uuid4(), **changes)
    if model is ReportFile:
        values["file_id"] = uuid.uuid4().hex
    return model(**values)


@pytest.mark.parametrize("model", ROWS, ids=lambda m: m.__tablename__)
def test_a_row_naming_another_exercise_than_its_reports_is_refused(
    session: Session, factory: Factory, model: type[Base]
) -> None:
    report = _report_with_rows(session, factory)
    other = factory.exercise(factory.user(role=GlobalRole.instructor))
    row = _copy(session, model, report, exercise_id=other.id)
    if model is AnswerKey:  # one per report: free the report's place so only the exercise is wrong
        session.execute(delete(AnswerKey).where(AnswerKey.report_id == report.id))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(row)
        session.flush()


@pytest.mark.parametrize("model", ROWS, ids=lambda m: m.__tablename__)
def test_a_row_of_a_missing_report_is_refused(session: Session, factory: Factory, model: type[Base]) -> None:
    report = _report_with_rows(session, factory)
    row = _copy(session, model, report, report_id=uuid.uuid4())
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(row)
        session.flush()


def test_the_same_row_in_its_own_exercise_is_stored(session: Session, factory: Factory) -> None:
    report = _report_with_rows(session, factory)
    session.add(_copy(session, Indicator, report, pointer="/copied"))
    session.flush()
    assert session.scalar(select(func.count()).where(Indicator.report_id == report.id, Indicator.pointer == "/copied"))


def test_deleting_a_report_takes_its_rows(session: Session, factory: Factory) -> None:
    report = _report_with_rows(session, factory)
    counts = {m: select(func.count()).where(m.report_id == report.id) for m in ROWS}  # type: ignore[attr-defined]
    assert all(session.scalar(q) for q in counts.values())
    session.execute(delete(Report).where(Report.id == report.id))
    assert [session.scalar(q) for q in counts.values()] == [0, 0, 0]
