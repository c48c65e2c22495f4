"""The client in-process (over the test app): models parsed, pagination walked, bulk lines numbered over runs,
problem+json turned into the exception of its status, and the sync and async clients offering the same operations.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.auth.models import GlobalRole
from app.cases import errors as cases_errors
from app.cases.schemas import CaseRead, CaseSummary
from app.client import (
    AsyncTipdeskClient,
    BulkLineResult,
    ClientError,
    Conflict,
    NotFound,
    PreconditionFailed,
    ProblemError,
    ServerError,
    ServiceUnavailable,
    TipdeskClient,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
    ValidationFailed,
    calls,
    envelope,
)
from app.client import bulk as client_bulk
from app.client.ops import AsyncOp, AsyncPages, SyncOp, SyncPages
from app.exercises.schemas import ExerciseRead
from app.reports import errors as reports_errors
from app.reports.schemas import ReportRead
from tests.conftest import Factory
from tests.reports.samples import build_report

PASSWORD = "pw-12345678"


@pytest.fixture
def tipdesk(client: TestClient) -> TipdeskClient:
    return TipdeskClient(http_client=client)


def _instructor(factory: Factory, tipdesk: TipdeskClient) -> str:
    owner = factory.user(GlobalRole.instructor, password=PASSWORD)
    tipdesk.login(owner.user.username, PASSWORD)
    return owner.user.username


def test_login_create_exercise_and_submit_parse_into_the_apps_models(tipdesk: TipdeskClient, factory: Factory) -> None:
    name = _instructor(factory, tipdesk)
    assert tipdesk.me().user.username == name
    exercise = tipdesk.create_exercise({"name": "Client exercise"})
    assert isinstance(exercise, ExerciseRead) and exercise.name == "Client exercise"
    assert tipdesk.get_exercise(exercise.id).model_dump(exclude={"clock"}) == exercise.model_dump(exclude={"clock"})
    assert tipdesk.get_clock(exercise.id).mode == "real"

    first = tipdesk.submit_report(exercise.id, build_report(1), idempotency_key="client-1")
    again = tipdesk.submit_report(exercise.id, build_report(1), idempotency_key="client-1")
    assert isinstance(first, ReportRead) and first.case_id is not None
    assert again.id == first.id  # replayed, not stored twice
    with pytest.raises(Conflict) as refused:  # same key, other body
        tipdesk.submit_report(exercise.id, build_report(2), idempotency_key="client-1")
    assert refused.value.status == 409 and refused.value.slug == reports_errors.IdempotencyMismatch.slug
    assert tipdesk.get_report(exercise.id, first.id).number == 1


def test_iterators_follow_the_cursor_through_every_page(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    exercise = tipdesk.create_exercise({"name": "Paged"})
    for i in range(5):
        tipdesk.submit_report(exercise.id, build_report(i))
    page = tipdesk.list_cases(exercise.id, limit=2, total=True)
    assert len(page.items) == 2 and page.total == 5 and page.next_cursor
    cases = list(tipdesk.iter_cases(exercise.id, limit=2))
    assert all(isinstance(c, CaseSummary) for c in cases)
    assert [c.number for c in cases] == [1, 2, 3, 4, 5]
    assert [c.number for c in tipdesk.iter_cases(exercise.id, limit=2, sort="-number")] == [5, 4, 3, 2, 1]
    started = [c.number for c in tipdesk.iter_cases(exercise.id, limit=2, cursor=page.next_cursor)]
    assert started == [3, 4, 5]
    assert [r.number for r in tipdesk.iter_reports(exercise.id, limit=3)] == [1, 2, 3, 4, 5]
    assert list(tipdesk.iter_cases(exercise.id, status=["closed"])) == []


def test_triage_with_if_match_and_the_typed_problems(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    exercise = tipdesk.create_exercise({"name": "Triage"})
    report = tipdesk.submit_report(exercise.id, build_report(3))
    assert report.case_id is not None
    case = tipdesk.get_case(exercise.id, report.case_id)
    assert isinstance(case, CaseRead) and case.status == "new"

    priority = "3" if case.priority != "3" else "2"  # a change from the priority routing suggested
    updated = tipdesk.update_case(
        exercise.id, case.id, {"priority": priority, "add_tags": ["client"]}, if_match=case.version
    )
    assert updated.priority == priority and updated.tags[-1] == "client" and updated.version > case.version
    assert updated.tags.count("client") == 1  # added once, after the tags routing gave it
    with pytest.raises(PreconditionFailed) as stale:
        tipdesk.transition_case(exercise.id, case.id, "triaged", if_match=case.version)
    assert stale.value.status == 412 and isinstance(stale.value, ClientError)
    triaged = tipdesk.transition_case(exercise.id, case.id, "triaged", if_match=f'"{updated.version}"')
    assert triaged.status == "triaged"

    with pytest.raises(Conflict) as conflict:
        tipdesk.transition_case(exercise.id, case.id, "investigating")
    assert conflict.value.slug == cases_errors.TransitionNotAllowed.slug and conflict.value.status == 409
    assert "assigned" in conflict.value.extra["allowed"]

    with pytest.raises(NotFound) as missing:
        tipdesk.get_case(exercise.id, uuid.uuid4())
    assert missing.value.status == 404 and missing.value.slug == cases_errors.CaseNotFound.slug
    assert missing.value.request_id and missing.value.response is not None

    with pytest.raises(ValidationFailed) as invalid:
        tipdesk.send(
            calls.Call(
                "PATCH", calls.path("exercises", exercise.id, "cases", case.id), calls.nothing, json={"priority": "9"}
            )
        )
    assert invalid.value.errors and invalid.value.errors[0].pointer == "/priority"
    with pytest.raises(ValueError):  # the app's own input model refuses it before sending
        tipdesk.update_case(exercise.id, case.id, {"priority": "9"})

    history = list(tipdesk.iter_case_history(exercise.id, case.id, limit=1))
    assert any(h.type == "case.updated" and h.field == "priority" for h in history)


def test_assign_to_a_unit(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    exercise = tipdesk.create_exercise({"name": "Assign"})
    report = tipdesk.submit_report(exercise.id, build_report(4))
    assert report.case_id is not None
    tipdesk.transition_case(exercise.id, report.case_id, "triaged")
    unit = next(tipdesk.iter_units(exercise.id, limit=5))
    assigned = tipdesk.assign_case(exercise.id, report.case_id, unit.id)
    assert assigned.unit_id == unit.id and assigned.status == "assigned"


def test_bulk_numbers_lines_over_every_run_and_reads_items_lazily(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    exercise = tipdesk.create_exercise({"name": "Bulk"})
    pulled: list[int] = []

    def items() -> Iterator[dict[str, Any]]:
        for i in range(7):
            pulled.append(i)
            if i == 4:
                yield {"incidentSummary": {"incidentType": "not a type"}}
            elif i == 5:
                yield envelope(build_report(50), "bulk-50")
            else:
                yield build_report(10 + i)

    results = tipdesk.submit_reports_bulk(exercise.id, items(), chunk_lines=3)
    first = next(results)
    assert pulled == [0, 1, 2]  # only the first run of 3 has been read
    rest = list(results)
    got = [first, *rest]
    assert all(isinstance(r, BulkLineResult) for r in got)
    assert [r.line for r in got] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.status for r in got] == [201, 201, 201, 201, 422, 201, 201]
    bad = got[4]
    assert not bad.ok and bad.problem is not None and bad.id is None
    error = bad.error()
    assert isinstance(error, ValidationFailed) and error.errors
    assert [r.number for r in got if r.ok] == [1, 2, 3, 4, 5, 6]
    replay = list(tipdesk.submit_reports_bulk(exercise.id, [envelope(build_report(50), "bulk-50")]))
    assert replay[0].replayed and replay[0].id == got[5].id
    assert list(tipdesk.submit_reports_bulk(exercise.id, [])) == []


def test_bulk_refused_as_a_whole_raises(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    with pytest.raises(NotFound):
        list(tipdesk.submit_reports_bulk(uuid.uuid4(), [build_report(1)]))


def test_logout_revokes_the_token(tipdesk: TipdeskClient, factory: Factory) -> None:
    _instructor(factory, tipdesk)
    token = tipdesk.token
    tipdesk.logout()
    assert tipdesk.token is None
    tipdesk.token = token
    with pytest.raises(Unauthorized) as refused:
        tipdesk.me()
    assert refused.value.status == 401
    with pytest.raises(Unauthorized):
        tipdesk.login("nobody-here", "wrong-password")


def _mocked(status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> TipdeskClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type, **(headers or {})})

    return TipdeskClient(
        http_client=httpx.Client(base_url="http://tipdesk.test", transport=httpx.MockTransport(answer))
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (404, NotFound),
        (409, Conflict),
        (412, PreconditionFailed),
        (422, ValidationFailed),
        (418, ClientError),
        (500, ServerError),
        (503, ServiceUnavailable),
    ],
)
def test_each_status_raises_its_class(status: int, cls: type[ProblemError]) -> None:
    problem = {"type": "urn:tipdesk:problem:some-thing", "title": "T", "status": status, "detail": "D", "x": [1]}
    with pytest.raises(cls) as raised:
        _mocked(status, json.dumps(problem).encode(), "application/problem+json").me()
    error = raised.value
    assert type(error) is cls
    assert (error.status, error.slug, error.title, error.detail, error.extra) == (
        status,
        "some-thing",
        "T",
        "D",
        {"x": [1]},
    )


def test_non_problem_answers_still_raise_typed_errors() -> None:
    with pytest.raises(ServerError) as raised:
        _mocked(502, b"<html>Bad gateway</html>", "text/html").me()
    assert raised.value.status == 502 and raised.value.slug == "http-error"
    assert raised.value.detail == "<html>Bad gateway</html>"
    with pytest.raises(TooManyRequests) as throttled:
        _mocked(429, b"{}", "application/json", {"Retry-After": "7"}).me()
    assert throttled.value.retry_after == 7.0
    with pytest.raises(UnexpectedResponse):
        _mocked(200, b"<html>login page</html>", "text/html").me()


def test_base_url_forms_name_the_same_server() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(204)

    for base in ("http://h.test:8000", "http://h.test:8000/", "http://h.test:8000/api/v1/"):
        tipdesk = TipdeskClient(base, token="t0ken")
        tipdesk._http = httpx.Client(base_url=tipdesk.base_url, transport=httpx.MockTransport(answer))
        tipdesk.logout()
    assert seen == ["http://h.test:8000/api/v1/auth/logout"] * 3


def test_requests_are_built_once_for_both_clients() -> None:
    """Every operation of one client is the other's, from the same builder (only login, logout and bulk are
    written twice, as thin transport code)."""

    def operations(cls: type[Any], kinds: tuple[type, ...]) -> dict[str, Any]:
        return {name: op.build for name, op in vars(cls).items() if isinstance(op, kinds)}

    sync_ops = operations(TipdeskClient, (SyncOp, SyncPages))
    async_ops = operations(AsyncTipdeskClient, (AsyncOp, AsyncPages))
    assert sync_ops == async_ops and len(sync_ops) > 30
    public = {n for n in dir(TipdeskClient) if not n.startswith("_")} - {"close"}
    assert public == {n for n in dir(AsyncTipdeskClient) if not n.startswith("_")} - {"close"}
    for name in ("login", "logout", "submit_reports_bulk", "send"):
        assert (
            inspect.signature(getattr(TipdeskClient, name)).parameters.keys()
            == inspect.signature(getattr(AsyncTipdeskClient, name)).parameters.keys()
        )


def test_async_client_sends_the_same_requests() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.read()))
        if request.url.path.endswith("/bulk"):
            lines = [ln for ln in request.content.splitlines() if ln]
            out = b"".join(
                json.dumps(
                    {"line": i + 1, "status": 201, "id": str(uuid.uuid4()), "number": i + 1, "case_id": None}
                ).encode()
                + b"\n"
                for i in range(len(lines))
            )
            return httpx.Response(200, content=out, headers={"content-type": client_bulk.NDJSON})
        return httpx.Response(
            404,
            json={"type": "urn:tipdesk:problem:case-not-found", "title": "Not found", "status": 404},
            headers={"content-type": "application/problem+json"},
        )

    async def scenario() -> list[int]:
        async with AsyncTipdeskClient(
            http_client=httpx.AsyncClient(base_url="http://h.test", transport=httpx.MockTransport(answer)),
            token="t",
        ) as tipdesk:
            with pytest.raises(NotFound) as missing:
                await tipdesk.get_case("e1", "c1")
            assert missing.value.slug == "case-not-found"
            return [
                r.line async for r in tipdesk.submit_reports_bulk("e1", [{"a": i} for i in range(5)], chunk_lines=2)
            ]

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5]
    assert seen[0][:2] == ("GET", "http://h.test/api/v1/exercises/e1/cases/c1")
    assert [s[1] for s in seen[1:]] == ["http://h.test/api/v1/exercises/e1/reports/bulk"] * 3
    assert seen[1][2] == b'{"a":0}\n{"a":1}\n'


SAMPLE_ARGS: dict[str, dict[str, Any]] = {
    "login": {"username": "someone", "password": "secret-pw"},
    "create_exercise": {"data": {"name": "x"}},
    "update_exercise": {"exercise_id": "E", "data": {"name": "x"}},
    "change_clock": {"exercise_id": "E", "action": {"action": "pause"}},
    "submit_report": {"exercise_id": "E", "document": {}, "idempotency_key": "k"},
    "update_case": {"exercise_id": "E", "case_id": "C", "data": {"note": "n"}, "if_match": 1},
    "transition_case": {"exercise_id": "E", "case_id": "C", "to": "triaged", "reason": "r", "if_match": 1},
    "assign_case": {"exercise_id": "E", "case_id": "C", "unit_id": "U", "assignee_id": "A"},
    "stats_breakdown": {"exercise_id": "E", "by": ["status", "unit"]},
    "stats_period_report": {
        "exercise_id": "E",
        "start": datetime(2026, 3, 1, tzinfo=UTC),
        "end": datetime(2026, 3, 8, tzinfo=UTC),
    },
    "stats": {"exercise_id": "E", "name": "summary", "params": {}},
    "stats_csv": {"exercise_id": "E", "name": "timeseries", "start": datetime(2026, 3, 1, tzinfo=UTC)},
}
EVERY_FILTER: dict[str, Any] = {
    "received_from": datetime(2026, 3, 1, tzinfo=UTC),
    "received_to": datetime(2026, 3, 2, tzinfo=UTC),
    "unit_id": "U",
    "include_descendants": True,
    "incident_type": "Child Sex Tourism",
    "priority": ["1"],
    "classification": "referral",
    "province": "ID-JB",
    "tag": ["a"],
    "filter": {"field": "urgent", "op": "eq", "value": True},
}


def _builders() -> dict[str, Any]:
    return {name: op.build for name, op in vars(TipdeskClient).items() if isinstance(op, SyncOp | SyncPages)}


def _sample_call(name: str, build: Any) -> calls.Call[Any]:
    if name in SAMPLE_ARGS:
        return build(**SAMPLE_ARGS[name])  # type: ignore[no-any-return]
    params = inspect.signature(build).parameters
    args: dict[str, Any] = {}
    for p in params.values():
        if p.kind is p.VAR_KEYWORD:
            args |= EVERY_FILTER
        elif p.default is p.empty:
            args[p.name] = p.name.upper()
        elif p.annotation in ("bool",) or p.name in {"total", "include_descendants", "include_retired", "urgent"}:
            args[p.name] = True
        elif p.name in {"status", "priority", "tag", "annotation"}:
            args[p.name] = ["x"]
        elif p.name in {"received_from", "received_to", "start", "end"}:
            args[p.name] = datetime(2026, 3, 1, tzinfo=UTC)
        else:
            args[p.name] = "x"
    return build(**args)  # type: ignore[no-any-return]


def test_every_call_names_an_operation_and_parameters_of_the_openapi_document(client: TestClient) -> None:
    """Paths, methods and query parameter names are the server's: a renamed route or parameter fails here."""
    document = client.get("/openapi.json").json()
    templates = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p.replace(":uuid", "")) + "$"), p) for p in document["paths"]
    ]
    builders = {**_builders(), "login": calls.login, "logout": calls.logout}
    for name, build in builders.items():
        call = _sample_call(name, build)
        matches = [p for rx, p in templates if rx.match(call.path)]
        assert matches, f"{name}: no route {call.path}"
        operation = document["paths"][matches[0]].get(call.method.lower())
        assert operation is not None, f"{name}: {call.method} {matches[0]} is not an operation"
        known = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        sent = {k for k, _ in call.params}
        assert sent <= known, f"{name}: unknown query parameters {sent - known}"
        headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
        assert {h.lower() for h in call.headers} - {"accept"} <= headers, f"{name}: headers {call.headers}"
    assert len(builders) > 30
