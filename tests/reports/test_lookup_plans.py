"""PostgreSQL: intake's lookup of replayed idempotency keys probes the key index once per key, with statistics
(after ANALYZE) and without them (before an exercise's first): a plan that reads all of a reporter's reports would
cost more with every report stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.reports.intake import _earlier_by_key
from app.routing.service import _hash, _holders_by_pair
from tests.conftest import Factory
from tests.reports.test_intake_api import MINIMAL


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


@pytest.mark.parametrize("analyzed", [False, True])
def test_idempotency_keys_are_probed_one_by_one(
    client: TestClient, factory: Factory, session: Session, analyzed: bool
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's (SQLite looks keys up with IN on the unique index)")
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    other = factory.member(exercise, ExerciseRole.reporter)  # the same keys from another reporter: not found
    headers = {"content-type": "application/x-ndjson"}
    lines = "".join(json.dumps({"idempotency_key": f"k{i}", "report": MINIMAL}) + "\n" for i in range(2000))
    for member in (reporter, other):
        r = client.post(
            f"/api/v1/exercises/{exercise.id}/reports/bulk", headers={**member.headers, **headers}, content=lines
        )
        assert r.status_code == 200 and r.text.count('"status": 201') == 2000, r.text[:300]
    if analyzed:
        session.execute(text("ANALYZE report"))
    compiled = _earlier_by_key().compile(dialect=postgresql.dialect())
    keys = [f"k{i}" for i in range(0, 2000, 40)] + [f"unknown{i}" for i in range(50)]
    params = {**compiled.params, "exercise_id": exercise.id, "reporter_id": reporter.user.id, "keys": keys}
    plan = session.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", params).scalar_one()
    nodes = _nodes(plan[0]["Plan"])
    # the report table is reached only through the key index (directly, or by a bitmap of its entries), per key
    assert all(n["Node Type"] != "Seq Scan" for n in nodes), nodes
    probes = [n for n in nodes if "Index Name" in n]
    assert probes and {n["Index Name"] for n in probes} == {"ix_report_idempotency_key"}, nodes
    assert all(n["Actual Loops"] == len(keys) for n in probes), probes
    assert plan[0]["Plan"]["Actual Rows"] == 50  # the other reporter's reports with the same keys: read, dropped


def _with_email(i: int) -> dict[str, Any]:
    return {
        **MINIMAL,
        "personOrUserReported": [{"personOrUserReportedPerson": {"email": [{"value": f"u{i}@mail.example"}]}}],
    }


@pytest.mark.parametrize("analyzed", [False, True])
def test_deconfliction_holders_are_probed_one_pair_at_a_time(
    client: TestClient, factory: Factory, session: Session, analyzed: bool
) -> None:
    """Each (kind, value hash) pair is one probe of the (exercise, kind, value hash) index, and nothing else reads
    the indicators: a plan that read the exercise's indicators would cost more with every report stored."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's (SQLite looks hashes up with IN on the same index)")
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    lines = "".join(json.dumps({"report": _with_email(i)}) + "\n" for i in range(2000))
    r = client.post(
        f"/api/v1/exercises/{exercise.id}/reports/bulk",
        headers={**reporter.headers, "content-type": "application/x-ndjson"},
        content=lines,
    )
    assert r.status_code == 200 and r.text.count('"status": 201') == 2000, r.text[:300]
    if analyzed:
        session.execute(text("ANALYZE indicator"))
    hashes = [_hash(f"u{i}@mail.example") for i in range(0, 2000, 40)] + [
        _hash(f"x{i}@mail.example") for i in range(50)
    ]
    compiled = _holders_by_pair().compile(dialect=postgresql.dialect())
    params = {
        **compiled.params,
        "exercise_id": exercise.id,
        "kinds": ["email"] * len(hashes),
        "hashes": hashes,
    }
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")  # as intake runs it
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", params).scalar_one()
    nodes = _nodes(plan[0]["Plan"])
    # the indicators are reached only through that index (directly, or by a bitmap of its entries)
    assert not [
        n
        for n in nodes
        if n.get("Relation Name") == "indicator" and "Bitmap" not in n["Node Type"] and "Index Name" not in n
    ], nodes
    probes = [n for n in nodes if n.get("Index Name", "").startswith(("ix_indicator", "indicator"))]
    assert probes and {n["Index Name"] for n in probes} == {"ix_indicator_exercise_id_kind_value_hash"}, nodes
    assert all(n["Actual Loops"] == len(hashes) for n in probes), probes
    assert plan[0]["Plan"]["Actual Rows"] == 50  # the stored emails; the unknown ones find nothing
