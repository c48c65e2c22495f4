"""PostgreSQL: intake's lookups by key probe their unique index once per key, whatever the planner's statistics
(none, before an exercise's first ANALYZE): a plan that reads all of a reporter's reports would cost more with every
report stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.reports.intake import _earlier_by_key
from tests.conftest import Factory
from tests.reports.test_intake_api import MINIMAL


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def test_idempotency_keys_are_probed_one_by_one(client: TestClient, factory: Factory, session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's (SQLite looks keys up with IN on the same unique index)")
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    reporter = factory.member(exercise, ExerciseRole.reporter)
    lines = "".join(json.dumps({"idempotency_key": f"k{i}", "report": MINIMAL}) + "\n" for i in range(2000))
    headers = {**reporter.headers, "content-type": "application/x-ndjson"}
    r = client.post(f"/api/v1/exercises/{exercise.id}/reports/bulk", headers=headers, content=lines.encode())
    assert r.status_code == 200 and r.text.count('"status": 201') == 2000, r.text[:300]
    compiled = _earlier_by_key().compile(dialect=postgresql.dialect())
    keys = [f"k{i}" for i in range(0, 2000, 40)] + [f"unknown{i}" for i in range(50)]
    params = {**compiled.params, "exercise_id": exercise.id, "reporter_id": reporter.user.id, "keys": keys}
    plan = session.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", params).scalar_one()
    nodes = _nodes(plan[0]["Plan"])
    scans = [n for n in nodes if n.get("Relation Name") == "report"]
    assert scans and all(n["Node Type"] == "Index Scan" for n in scans), nodes
    assert {n["Index Name"] for n in scans} == {"uq_report_exercise_id_reporter_id_idempotency_key"}
    assert sum(n.get("Rows Removed by Filter", 0) for n in nodes) == 0, nodes  # no report read and dropped
    assert plan[0]["Plan"]["Actual Rows"] == 50
