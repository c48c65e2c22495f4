"""Properties every operation and request share: documented operations, structured logs, database settings."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db.session import Database
from tests import dbs


def test_every_operation_is_documented_with_summary_and_problem_responses(app: FastAPI) -> None:
    doc = app.openapi()
    count = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            count += 1
            where = f"{method.upper()} {path}"
            assert op.get("summary"), f"{where} has no summary"
            assert any(s.startswith("2") for s in op["responses"]), f"{where} declares no success response"
            if path.startswith("/api/"):
                errors = [s for s in op["responses"] if s.startswith("4")]
                assert errors, f"{where} declares no error responses"
                for status in errors:
                    content = op["responses"][status].get("content", {})
                    assert "application/problem+json" in content or status == "422", f"{where} {status}"
    assert count >= 15


def test_one_json_log_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tipdesk.access"):
        client.get("/healthz", headers={"X-Request-ID": "log-check-1"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tipdesk.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "log-check-1" and line["route"] == "/healthz" and line["status"] == 200
    assert line["method"] == "GET" and isinstance(line["duration_ms"], float)


def test_api_routes_are_logged_by_template(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tipdesk.access"):
        client.get("/api/v1/exercises/00000000-0000-4000-8000-000000000000/clock")
    line = json.loads(next(r.getMessage() for r in caplog.records if r.name == "tipdesk.access"))
    assert line["route"] == "/api/v1/exercises/{exercise_id}/clock" and line["status"] == 401


@pytest.mark.skipif(dbs.BACKEND != "sqlite", reason="SQLite connection settings")
def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == database.settings.sqlite_busy_timeout_ms
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO event_stream (exercise_id, last_seq, last_hash) VALUES ('nope', 0, 'x')"))
