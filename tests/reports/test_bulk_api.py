"""Bulk NDJSON intake: line-aligned results, only valid lines stored, replays store nothing new."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.core.config import Settings
from app.reports.models import Report
from tests.conftest import Factory
from tests.reports.samples import build_report
from tests.reports.test_intake_api import MINIMAL

NDJSON = {"content-type": "application/x-ndjson"}


def _stream(lines: list[bytes]) -> Iterator[bytes]:
    chunk = bytearray()
    for line in lines:
        chunk += line + b"\n"
        if len(chunk) > 50_000:  # arrive in pieces that cut lines anywhere
            yield bytes(chunk[:30_001])
            del chunk[:30_001]
    yield bytes(chunk)


def _results(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def _typical(i: int) -> dict[str, Any]:
    """The common shape of a report: a reported user with an email, a screen name and login addresses."""
    doc = copy.deepcopy(MINIMAL)
    doc["personOrUserReported"] = [
        {
            "personOrUserReportedPerson": {"email": [{"value": f"user{i}@mail.example"}]},
            "espIdentifier": str(100_000 + i),
            "screenName": f"user_{i}",
            "ipCaptureEvent": [{"ipAddress": f"198.18.{i}.{j + 1}", "eventName": "Login"} for j in range(2)],
        }
    ]
    return doc


def _count(session: Session, exercise_id: object) -> int:
    return int(session.scalar(select(func.count()).select_from(Report).where(Report.exercise_id == exercise_id)) or 0)


def test_bulk_stores_exactly_the_valid_lines_and_replays_store_nothing(
    client: TestClient, factory: Factory, session: Session
) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    reporter = factory.member(ex, ExerciseRole.reporter)
    total, bad_every = 10_000, 33  # ~3% invalid
    base = [build_report(i) if i % 10 == 0 else _typical(i) for i in range(50)]
    lines: list[bytes] = []
    invalid: set[int] = set()
    for n in range(1, total + 1):
        if n % bad_every == 0:
            invalid.add(n)
            broken = copy.deepcopy(base[n % 50])
            broken["incidentSummary"]["incidentType"] = "Not a type"
            lines.append(json.dumps({"idempotency_key": f"k{n}", "report": broken}).encode())
        else:
            lines.append(json.dumps({"idempotency_key": f"k{n}", "report": base[n % 50]}).encode())
    url = f"/api/v1/exercises/{ex.id}/reports/bulk"
    r = client.post(url, headers={**reporter.headers, **NDJSON}, content=_stream(lines))
    assert r.status_code == 200, r.text[:500]
    results = _results(r.content)
    assert [x["line"] for x in results] == list(range(1, total + 1))
    assert {x["line"] for x in results if x["status"] == 422} == invalid
    assert all(x["status"] == 201 for x in results if x["line"] not in invalid)
    bad = next(x for x in results if x["status"] == 422)
    assert bad["problem"]["errors"][0]["pointer"] == "/report/incidentSummary/incidentType"
    assert _count(session, ex.id) == total - len(invalid)
    numbers = sorted(x["number"] for x in results if x["status"] == 201)
    assert numbers == list(range(1, total - len(invalid) + 1))

    replay = _results(client.post(url, headers={**reporter.headers, **NDJSON}, content=_stream(lines)).content)
    assert [x["status"] for x in replay if x["line"] not in invalid] == [200] * (total - len(invalid))
    assert _count(session, ex.id) == total - len(invalid)


def test_bulk_refusals(client: TestClient, factory: Factory, settings: Settings) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    reporter = factory.member(ex, ExerciseRole.reporter)
    url = f"/api/v1/exercises/{ex.id}/reports/bulk"
    good = json.dumps(build_report(1)).encode()
    unsafe = copy.deepcopy(build_report(2))
    unsafe["reporter"]["reportingPerson"]["email"] = [{"value": "someone@gmail.com"}]
    huge = b'{"x": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
    body = b"\n".join([good, b"{not json", b"", json.dumps(unsafe).encode(), huge, good]) + b"\n"
    results = _results(client.post(url, headers={**reporter.headers, **NDJSON}, content=body).content)
    assert [(x["line"], x["status"]) for x in results] == [(1, 201), (2, 400), (4, 422), (5, 413), (6, 201)]
    assert results[2]["problem"]["type"] == "urn:tipdesk:problem:unsafe-report"
    r = client.post(url, headers={**reporter.headers, "content-type": "application/json"}, content=good)
    assert r.status_code == 415 and r.json()["type"] == "urn:tipdesk:problem:unsupported-media-type"
    observer = factory.member(ex, ExerciseRole.observer)
    assert client.post(url, headers={**observer.headers, **NDJSON}, content=good).status_code == 403


def test_keys_repeated_within_one_stream(client: TestClient, factory: Factory, session: Session) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    reporter = factory.member(ex, ExerciseRole.reporter)
    a, b = _typical(1), _typical(2)
    lines = [
        json.dumps({"idempotency_key": key, "report": doc}).encode() for key, doc in [("k", a), ("k", a), ("k", b)]
    ]
    url = f"/api/v1/exercises/{ex.id}/reports/bulk"
    results = _results(client.post(url, headers={**reporter.headers, **NDJSON}, content=b"\n".join(lines)).content)
    assert [x["status"] for x in results] == [201, 200, 409]
    assert results[1]["id"] == results[0]["id"] and results[2]["problem"]["report_id"] == results[0]["id"]
    assert _count(session, ex.id) == 1


def test_batches_are_stored_in_order_while_the_next_is_judged(
    client: TestClient, factory: Factory, session: Session, settings: Settings, monkeypatch: Any
) -> None:
    """Batches of two lines: a key first used in one batch is found by the next (each batch has committed before
    the next is stored), results stay line-aligned, and the line past the limit is refused after them."""
    monkeypatch.setattr(
        client.app.state, "settings", settings.model_copy(update={"bulk_batch_lines": 2, "bulk_max_lines": 7})
    )
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    reporter = factory.member(ex, ExerciseRole.reporter)
    a, b, c = _typical(1), _typical(2), _typical(3)
    keyed = [("k1", a), ("k2", b), ("k1", a), ("k1", b)]
    lines = [json.dumps({"idempotency_key": key, "report": doc}).encode() for key, doc in keyed]
    lines += [b"", json.dumps({"idempotency_key": "k3", "report": c}).encode(), b"{not json"]
    lines += [json.dumps({"idempotency_key": "k4", "report": c}).encode()]
    url = f"/api/v1/exercises/{ex.id}/reports/bulk"
    results = _results(client.post(url, headers={**reporter.headers, **NDJSON}, content=b"\n".join(lines)).content)
    assert [(x["line"], x["status"]) for x in results] == [
        (1, 201),
        (2, 201),
        (3, 200),
        (4, 409),
        (6, 201),
        (7, 400),
        (8, 413),
    ]
    assert results[2]["id"] == results[0]["id"] and results[3]["problem"]["report_id"] == results[0]["id"]
    assert results[-1]["problem"]["type"] == "urn:tipdesk:problem:too-many-lines"
    assert _count(session, ex.id) == 3


def test_a_batch_the_database_refuses_is_redone_line_by_line(
    client: TestClient, factory: Factory, session: Session, monkeypatch: Any
) -> None:
    """A concurrent writer taking one of the batch's keys makes the batch's insert fail; each line is then stored
    (or refused) on its own."""
    from sqlalchemy.exc import IntegrityError

    from app.reports import intake

    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    reporter = factory.member(ex, ExerciseRole.reporter)
    real_store, calls = intake.store, []

    def flaky(*args: Any, **kw: Any) -> Any:
        calls.append(len(kw["items"]))
        if len(calls) == 1:
            real_store(*args, **kw)  # writes, then fails as a unique violation would: the savepoint undoes it
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real_store(*args, **kw)

    monkeypatch.setattr(intake, "store", flaky)
    lines = [json.dumps({"idempotency_key": f"k{i}", "report": _typical(i)}).encode() for i in range(3)]
    url = f"/api/v1/exercises/{ex.id}/reports/bulk"
    results = _results(client.post(url, headers={**reporter.headers, **NDJSON}, content=b"\n".join(lines)).content)
    assert [x["status"] for x in results] == [201, 201, 201]
    assert calls == [3, 1, 1, 1]
    assert [x["number"] for x in results] == [1, 2, 3]
    assert _count(session, ex.id) == 3
