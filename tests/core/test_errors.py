"""Every error is a problem document; nothing a client sends produces a 500."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from app.auth.models import GlobalRole
from app.core.config import Settings
from app.main import create_app
from tests.conftest import Factory

PROBLEM = "application/problem+json"


def _is_problem(r: object, status: int, slug: str) -> dict[str, object]:
    from httpx import Response

    assert isinstance(r, Response)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = r.json()
    assert body["type"] == f"urn:tipdesk:problem:{slug}"
    assert body["status"] == status and body["title"]
    assert "Traceback" not in r.text
    assert body.get("request_id") == r.headers["x-request-id"]
    return body


def test_malformed_json_is_400(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post(
        "/api/v1/exercises", headers={**owner.headers, "content-type": "application/json"}, content=b'{"name": '
    )
    _is_problem(r, 400, "malformed-json")


def test_wrong_types_are_422_with_pointers(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    r = client.post("/api/v1/exercises", headers=owner.headers, json={"name": 12, "clock": {"speed": "fast"}, "x": 1})
    body = _is_problem(r, 422, "validation-error")
    errors = body["errors"]
    assert isinstance(errors, list)
    pointers = {e["pointer"] for e in errors}
    assert {"/name", "/clock/speed", "/x"} <= pointers
    assert all(e["location"] == "body" and e["message"] for e in errors)


def test_query_parameter_errors_name_the_parameter(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    body = _is_problem(client.get("/api/v1/exercises?limit=abc", headers=owner.headers), 422, "validation-error")
    assert body["errors"] == [{"pointer": "limit", "location": "query", "message": body["errors"][0]["message"]}]  # type: ignore[index]


def test_oversized_body_is_413_by_content_length(client: TestClient, factory: Factory, settings: Settings) -> None:
    owner = factory.user(GlobalRole.instructor)
    big = b'{"name": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    r = client.post("/api/v1/exercises", headers={**owner.headers, "content-type": "application/json"}, content=big)
    _is_problem(r, 413, "payload-too-large")


def test_oversized_streamed_body_without_length_is_413(
    client: TestClient, factory: Factory, settings: Settings
) -> None:
    owner = factory.user(GlobalRole.instructor)

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    r = client.post(
        "/api/v1/exercises", headers={**owner.headers, "content-type": "application/json"}, content=chunks()
    )
    _is_problem(r, 413, "payload-too-large")
    listed = client.get("/api/v1/exercises", headers=owner.headers).json()["items"]
    assert listed == []


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    _is_problem(client.get("/api/v1/no-such-thing"), 404, "not-found")
    body = _is_problem(client.put("/api/v1/exercises"), 405, "method-not-allowed")
    assert body["instance"] == "/api/v1/exercises"


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "drill-42"})
    assert r.headers["x-request-id"] == "drill-42"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert unsafe != "bad id\twith spaces"


def test_database_unreachable_is_503(tmp_path: object) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
        environment="test",
        secret_key="x" * 40,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        r = c.get("/api/v1/exercises", headers={"Authorization": "Bearer tdk_x"})
        _is_problem(r, 503, "database-unavailable")
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False


def test_unhandled_errors_are_500_problems_without_traces(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    body = _is_problem(r, 500, "internal-error")
    assert "secret internals" not in r.text and "RuntimeError" not in str(body)


def test_cors_origins_are_configurable(settings: Settings) -> None:
    configured = settings.model_copy(update={"cors_origins": ["http://console.example"]})
    with TestClient(create_app(configured)) as c:
        r = c.options("/healthz", headers={"Origin": "http://console.example", "Access-Control-Request-Method": "GET"})
        assert r.headers["access-control-allow-origin"] == "http://console.example"
        other = c.get("/healthz", headers={"Origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
