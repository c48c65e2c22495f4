"""The report fields of the filter language: SQL over stored reports, cases and units agrees with Python over
``ReportSubject`` (property test on the real tables), and each field reads what its description says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import GlobalRole
from app.cases.models import Case, CaseStatus, Classification
from app.core.filters import FieldType, evaluate, parse, to_sql
from app.exercises.models import Exercise
from app.reports.document import REPORT_ANNOTATIONS
from app.reports.models import Report
from app.routing.fields import LOCATION_SOURCES, PRIORITIES, REPORT_FIELDS, ReportSubject, youngest_victim_age
from app.units.models import Unit
from tests.conftest import Factory
from tests.core.filter_support import PROPERTY, ages, agree, expressions, instants, seen_values, string_lists, texts

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CODES = ("DITTIPIDSIBER", "polda-metro", "Polda-Metro", "PPA-PPO")


@pytest.fixture
def exercise(factory: Factory) -> Exercise:
    return factory.exercise(factory.user(GlobalRole.instructor))


def victims() -> st.SearchStrategy[Any]:
    person = st.fixed_dictionaries({}, optional={"age": ages, "firstName": st.just("Rina")})
    victim = st.one_of(st.fixed_dictionaries({"victimPerson": person}), st.just({"schoolName": "SD 1"}))
    return st.one_of(st.lists(victim, max_size=3), st.just({"victimPerson": {"age": 3}}))


@st.composite
def world(draw: st.DrawFn, exercise_id: uuid.UUID) -> list[ReportSubject]:
    """Units, cases and reports of one exercise, as subjects (not yet stored)."""
    units = [
        Unit(id=uuid.uuid4(), exercise_id=exercise_id, code=code, name=code, kind="polda", created_at=NOW)
        for code in draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3))
    ]
    subjects = []
    for n in range(draw(st.integers(0, 5))):
        unit = draw(st.one_of(st.none(), st.sampled_from(units))) if units else None
        case = None
        if draw(st.booleans()) or n == 0:
            case = Case(
                id=uuid.uuid4(),
                exercise_id=exercise_id,
                number=n + 1,
                status=draw(st.sampled_from(tuple(CaseStatus))),
                priority=draw(st.one_of(st.none(), st.sampled_from(PRIORITIES))),
                classification=Classification.referral,
                urgent=False,
                unit_id=unit.id if unit else None,
                tags=draw(string_lists(texts)),
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
        document: dict[str, Any] = {"incidentSummary": {"incidentType": "Child Sex Tourism"}}
        if draw(st.booleans()):
            document["victim"] = draw(victims())
        report = Report(
            id=uuid.uuid4(),
            exercise_id=exercise_id,
            number=draw(st.sampled_from((n + 1, 2**31 - 1 - n))),
            case_id=case.id if case else None,
            source="api",
            request_hash="0" * 64,
            received_at=draw(instants),
            recorded_at=NOW,
            document=document,
            incident_type=draw(st.sampled_from(REPORT_FIELDS["incident_type"].choices)),
            annotations=draw(string_lists(st.sampled_from(REPORT_ANNOTATIONS))),
            esp_name=draw(st.one_of(st.none(), texts, st.just("Pelangi Chat (fictional)"))),
            classification=draw(st.sampled_from(tuple(Classification))),
            urgent=draw(st.booleans()),
            flags=[],
            notes=[],
            batched=draw(st.booleans()),
            file_count=draw(st.integers(0, 4)),
            location_source=draw(st.sampled_from(LOCATION_SOURCES)),
            location_country=draw(st.sampled_from((None, "ID", "id", "MY"))),
            location_province=draw(st.sampled_from((None, "ID-JK", "ID-JB", "ID-BT"))),
            location_regency_code=draw(st.sampled_from((None, "3273", "3603"))),
            location_city=draw(st.one_of(st.none(), texts, st.sampled_from(("Kota Bandung", "Kabupaten Tangerang")))),
            location_district=draw(st.one_of(st.none(), texts, st.just("Kelapa Dua"))),
        )
        subjects.append(ReportSubject(report, case, unit if case else None))
    return subjects


@PROPERTY
@given(data=st.data())
def test_report_fields_select_the_same_reports_in_sql_and_python(
    session: Session, exercise: Exercise, data: st.DataObject
) -> None:
    subjects = data.draw(world(exercise.id), label="subjects")
    seen = seen_values(REPORT_FIELDS, subjects)
    raws = data.draw(st.lists(expressions(REPORT_FIELDS, seen), min_size=1, max_size=4), label="expressions")
    savepoint = session.begin_nested()
    try:
        session.add_all({u.id: u for s in subjects if s.unit for u in [s.unit]}.values())
        session.flush()
        session.add_all([s.case for s in subjects if s.case])
        session.flush()
        session.add_all([s.report for s in subjects])
        session.flush()
        agree(session, Report.__table__, REPORT_FIELDS, subjects, raws, key=lambda s: s.report.id)
    finally:
        savepoint.rollback()


def test_the_catalogue_documents_every_field_with_its_operators() -> None:
    table = REPORT_FIELDS.markdown()
    for field in REPORT_FIELDS:
        assert f"| `{field.name}` | {field.type} |" in table and field.description in table
    assert "`Online Enticement of Children for Sexual Acts`" in table
    assert {f.name for f in REPORT_FIELDS if f.type is FieldType.text_list} == {"tags"}


@pytest.mark.parametrize(
    ("document", "age"),
    [
        ({}, None),
        ({"victim": []}, None),
        ({"victim": [{"victimPerson": {"firstName": "Rina"}}]}, None),
        ({"victim": [{"victimPerson": {"age": 14}}, {"victimPerson": {"age": 11}}]}, 11),
        ({"victim": [{"victimPerson": {"age": True}}, {"victimPerson": {"age": "9"}}, "x"]}, None),
        ({"victim": {"victimPerson": {"age": 3}}}, None),
    ],
)
def test_victim_age_is_the_youngest_stated_age(document: dict[str, Any], age: int | None) -> None:
    assert youngest_victim_age(document) == age


def test_a_condition_on_the_case_of_a_report_without_one_is_false(session: Session, exercise: Exercise) -> None:
    report = Report(
        exercise_id=exercise.id,
        number=1,
        source="api",
        request_hash="0" * 64,
        received_at=NOW,
        recorded_at=NOW,
        document={},
        incident_type="Child Sex Tourism",
        annotations=[],
        classification="informational",
        urgent=False,
        flags=[],
        notes=[],
    )
    session.add(report)
    session.flush()
    for raw, expected in [
        ({"field": "status", "op": "ne", "value": "closed"}, False),
        ({"not": {"field": "status", "op": "ne", "value": "closed"}}, True),
        ({"field": "tags", "op": "exists"}, False),
        ({"not": {"field": "unit", "op": "exists"}}, True),
    ]:
        expression = parse(raw, REPORT_FIELDS)
        assert evaluate(expression, ReportSubject(report)) is expected
        found = session.scalar(select(Report.id).where(Report.id == report.id, to_sql(expression)))
        assert (found is not None) is expected, raw
