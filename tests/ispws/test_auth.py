"""Who may call /ispws/: HTTP Basic with a tipdesk user's password, throttled; exactly one reporter membership."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole, GlobalRole
from app.reports.xml import XSD_PATH
from tests.conftest import Factory
from tests.ispws.conftest import XML_HEADERS, Desk, answer, basic, report_xml


def _unauthenticated(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/ispws/status"), ("GET", "/ispws/xsd"), ("POST", "/ispws/submit")):
        r = client.request(method, path, headers=headers, content=report_xml(1) if method == "POST" else None)
        assert r.status_code == 401, (path, r.text)
        assert r.content == b""
        assert r.headers["www-authenticate"].startswith("Basic ")
        assert r.headers["request-id"] == r.headers["x-request-id"]


def test_missing_or_wrong_credentials_get_401_with_an_empty_body(desk: Desk) -> None:
    name = desk.reporter.user.username
    for headers in (
        {},
        basic(name, "wrong-password"),
        basic("nobody-" + name, "pw-12345678"),
        desk.reporter.headers,  # a bearer token is not this protocol's credential
        {"Authorization": "Basic !!not-base64!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
    ):
        _unauthenticated(desk.client, headers)
    assert answer(desk.client.get("/ispws/status", headers=desk.auth)).code == 0


def test_failed_logins_are_throttled_together_with_the_token_endpoint(desk: Desk, factory: Factory) -> None:
    name = desk.reporter.user.username
    limit = desk.client.app.state.settings.login_max_failures_per_user
    for _ in range(limit):
        assert desk.client.get("/ispws/status", headers=basic(name, "wrong")).status_code == 401
    throttled = desk.client.get("/ispws/status", headers=desk.auth)  # even with the right password now
    assert throttled.status_code == 429 and throttled.content == b""
    assert int(throttled.headers["retry-after"]) > 0 and throttled.headers["request-id"]
    token = desk.client.post("/api/v1/auth/token", data={"username": name, "password": "pw-12345678"})
    assert token.status_code == 429
    other = factory.member(desk.exercise, ExerciseRole.reporter)
    assert answer(desk.client.get("/ispws/status", headers=basic(other.user.username))).code == 0


def test_a_successful_login_clears_earlier_failures(desk: Desk) -> None:
    name = desk.reporter.user.username
    limit = desk.client.app.state.settings.login_max_failures_per_user
    for _ in range(limit - 1):
        assert desk.client.get("/ispws/status", headers=basic(name, "wrong")).status_code == 401
    assert answer(desk.client.get("/ispws/status", headers=desk.auth)).code == 0
    for _ in range(limit - 1):
        assert desk.client.get("/ispws/status", headers=basic(name, "wrong")).status_code == 401
    assert answer(desk.client.get("/ispws/status", headers=desk.auth)).code == 0


def test_submitting_needs_exactly_one_reporter_membership(desk: Desk, factory: Factory) -> None:
    analyst = factory.member(desk.exercise, ExerciseRole.analyst)
    loner = factory.user()
    twice = factory.member(desk.exercise, ExerciseRole.reporter)
    second = factory.exercise(desk.owner)
    factory.session.commit()
    from app.auth import service as auth_service

    auth_service.add_member(
        factory.session,
        exercise=second,
        user=twice.user,
        role=ExerciseRole.reporter,
        unit_id=None,
        actor="system",
        at=desk.exercise.created_at,
    )
    factory.session.commit()
    for actor in (analyst, loner, twice):
        auth = basic(actor.user.username)
        status = answer(desk.client.get("/ispws/status", headers=auth))
        assert (status.code, status.report_id) == (3100, None), actor
        submitted = answer(desk.client.post("/ispws/submit", content=report_xml(1), headers={**XML_HEADERS, **auth}))
        assert submitted.code == 3100
        assert answer(desk.client.post("/ispws/finish", data={"id": "1"}, headers=auth)).code == 3100
        assert desk.client.get("/ispws/xsd", headers=auth).status_code == 200  # the schema is for any user


def test_a_closed_exercise_takes_no_more_reports(desk: Desk) -> None:
    rid = desk.open()
    url = f"/api/v1/exercises/{desk.exercise.id}"
    for status in ("active", "closed"):
        r = desk.client.patch(url, headers=desk.owner.headers, json={"status": status})
        assert r.status_code == 200, r.text
    status = answer(desk.client.get("/ispws/status", headers=desk.auth))
    assert status.code == 3100 and "closed" in (status.description or "")
    assert desk.submit(report_xml(1)).code == 3100
    assert desk.upload(rid, b"bytes").code == 3100
    assert desk.finish(rid).code == 3100


def test_the_xsd_is_served(desk: Desk) -> None:
    r = desk.client.get("/ispws/xsd", headers=desk.auth)
    assert r.status_code == 200 and r.content == XSD_PATH.read_bytes()
    assert r.headers["content-type"] == "text/xml; charset=utf-8" and r.headers["request-id"]


def test_an_inactive_user_cannot_submit(desk: Desk, factory: Factory) -> None:
    desk.reporter.user.is_active = False
    factory.session.add(desk.reporter.user)
    factory.session.commit()
    assert desk.client.get("/ispws/status", headers=desk.auth).status_code == 401


def test_status_of_a_global_instructor_without_membership(desk: Desk, factory: Factory) -> None:
    instructor = factory.user(GlobalRole.instructor)
    assert answer(desk.client.get("/ispws/status", headers=basic(instructor.user.username))).code == 3100
