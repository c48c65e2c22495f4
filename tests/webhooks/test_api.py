"""Registering webhook endpoints: who may, which URLs (the SSRF guard), event types and filters, the write-only
secret, changes recorded as events; and the delivery log's access rules."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.events.models import Event
from app.exercises.models import Exercise
from app.webhooks.models import WebhookEndpoint
from tests.conftest import Actor, Factory

LOCAL = "http://127.0.0.1:9/hook"


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user(GlobalRole.instructor)


@pytest.fixture
def exercise(factory: Factory, owner: Actor) -> Exercise:
    return factory.exercise(owner)


def url(exercise: Exercise, tail: str = "") -> str:
    return f"/api/v1/exercises/{exercise.id}/webhooks{tail}"


def create(client: TestClient, exercise: Exercise, actor: Actor, **body: Any) -> Any:
    return client.post(url(exercise), headers=actor.headers, json={"url": LOCAL, **body})


def problem(r: Any, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = r.json()
    assert doc["type"] == f"urn:tipdesk:problem:{slug}", doc
    return doc


def endpoint_count(session: Session, exercise: Exercise) -> int:
    return len(session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.exercise_id == exercise.id)).all())


def test_register_shows_the_secret_once_and_records_an_event(
    client: TestClient, session: Session, exercise: Exercise, owner: Actor
) -> None:
    r = create(client, exercise, owner, event_types=["case.*", "case.opened", "case.*"], description="dashboard")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["event_types"] == ["case.*", "case.opened"]
    assert body["url"] == LOCAL and body["active"] is True and body["filter"] is None
    assert r.headers["location"].endswith(f"/webhooks/{body['id']}")
    read = client.get(url(exercise, f"/{body['id']}"), headers=owner.headers)
    assert read.status_code == 200 and "secret" not in read.json()
    listed = client.get(url(exercise), headers=owner.headers).json()
    assert [w["id"] for w in listed["items"]] == [body["id"]] and "secret" not in listed["items"][0]
    event = session.scalars(
        select(Event).where(Event.exercise_id == exercise.id, Event.type == "webhook.created")
    ).one()
    assert event.subject_id == body["id"] and event.data["url"] == LOCAL
    assert body["secret"] not in str(event.data)
    assert body["last_seq"] == event.seq  # starts after its own creation: only new events are delivered


def test_given_secret_is_kept_and_star_means_every_type(client: TestClient, exercise: Exercise, owner: Actor) -> None:
    r = create(client, exercise, owner, secret="a-receiver-chosen-secret", event_types=["*"], after=0)
    assert r.status_code == 201, r.text
    assert r.json()["secret"] == "a-receiver-chosen-secret"
    assert r.json()["event_types"] is None and r.json()["last_seq"] == 0


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://192.0.2.10/hook", "192.0.2.10"),  # a routable (documentation) address: not loopback
        ("http://10.1.2.3:8080/hook", "10.1.2.3"),  # private networks are not loopback either
        ("http://0.0.0.0:8000/hook", "0.0.0.0"),
        ("http://[2001:db8::1]/hook", "2001:db8::1"),
        ("ftp://127.0.0.1/hook", "http and https"),
        ("file:///etc/passwd", "http and https"),
        ("http://user:pw@127.0.0.1/hook", "user information"),
        ("http:///nohost", "no host"),
        ("http://127.0.0.1:99999/hook", "cannot be read"),
    ],
)
def test_urls_other_than_loopback_are_refused(
    client: TestClient, session: Session, exercise: Exercise, owner: Actor, target: str, why: str
) -> None:
    doc = problem(create(client, exercise, owner, url=target), 422, "invalid-webhook-url")
    assert why in doc["detail"] and doc["pointer"] == "/url"
    assert endpoint_count(session, exercise) == 0


def test_the_resolved_address_decides_not_the_name(
    client: TestClient, exercise: Exercise, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo
    fake = {"localhost.attacker.test": "203.0.113.7", "rebound.test": "127.0.0.1", "split.test": None}

    def getaddrinfo(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        if host in fake:
            if fake[host] is None:  # one loopback and one outside address: refused
                return [
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("198.51.100.4", port)),
                ]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (fake[host], port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    doc = problem(create(client, exercise, owner, url="http://localhost.attacker.test/x"), 422, "invalid-webhook-url")
    assert "203.0.113.7" in doc["detail"]
    problem(create(client, exercise, owner, url="https://split.test/x"), 422, "invalid-webhook-url")
    assert create(client, exercise, owner, url="http://rebound.test:8123/x").status_code == 201
    assert create(client, exercise, owner, url="http://localhost:8123/x").status_code == 201


def test_an_unresolvable_host_is_refused(client: TestClient, exercise: Exercise, owner: Actor) -> None:
    doc = problem(create(client, exercise, owner, url="http://no-such-host.invalid/x"), 422, "invalid-webhook-url")
    assert "does not resolve" in doc["detail"]


def test_the_allow_list_admits_named_hosts_and_networks(
    app: FastAPI, client: TestClient, exercise: Exercise, owner: Actor
) -> None:
    problem(create(client, exercise, owner, url="http://192.0.2.10/hook"), 422, "invalid-webhook-url")
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_allowed_hosts": ["192.0.2.0/28", "hooks.example"]}
    )
    assert create(client, exercise, owner, url="http://192.0.2.10/hook").status_code == 201
    problem(create(client, exercise, owner, url="http://192.0.2.99/hook"), 422, "invalid-webhook-url")


def test_only_instructors_manage_webhooks(
    client: TestClient, session: Session, factory: Factory, exercise: Exercise, owner: Actor
) -> None:
    created = create(client, exercise, owner).json()
    for role in (ExerciseRole.supervisor, ExerciseRole.analyst, ExerciseRole.observer):
        member = factory.member(exercise, role)
        problem(create(client, exercise, member), 403, "forbidden")
        problem(client.get(url(exercise), headers=member.headers), 403, "forbidden")
        problem(client.get(url(exercise, f"/{created['id']}/deliveries"), headers=member.headers), 403, "forbidden")
        problem(client.delete(url(exercise, f"/{created['id']}"), headers=member.headers), 403, "forbidden")
    outsider = factory.user(GlobalRole.instructor)  # an instructor elsewhere, not a member here
    problem(create(client, exercise, outsider), 404, "not-found")
    problem(client.get(url(exercise, f"/{created['id']}"), headers=outsider.headers), 404, "not-found")
    problem(client.post(url(exercise), json={"url": LOCAL}), 401, "unauthorized")
    assert endpoint_count(session, exercise) == 1


def test_a_webhook_of_another_exercise_is_not_found(
    client: TestClient, factory: Factory, exercise: Exercise, owner: Actor
) -> None:
    other = factory.exercise(owner)
    created = create(client, other, owner).json()
    problem(client.get(url(exercise, f"/{created['id']}"), headers=owner.headers), 404, "not-found")
    problem(client.patch(url(exercise, f"/{created['id']}"), headers=owner.headers, json={}), 404, "not-found")
    problem(client.get(url(exercise, f"/{uuid.uuid4()}/deliveries"), headers=owner.headers), 404, "not-found")


@pytest.mark.parametrize(
    ("expression", "pointer"),
    [
        ({"field": "no_such_field", "op": "eq", "value": 1}, "/filter/field"),
        ({"field": "priority", "op": "eq", "value": "urgent"}, "/filter/value"),
        ({"field": "urgent", "op": "contains", "value": True}, "/filter/op"),
        ({"all": []}, "/filter/all"),
        ({"all": [{"field": "type", "op": "eq", "value": "case.opened"}, {"nope": 1}]}, "/filter/all/1"),
    ],
)
def test_bad_filters_are_refused_with_a_pointer(
    client: TestClient, session: Session, exercise: Exercise, owner: Actor, expression: Any, pointer: str
) -> None:
    doc = problem(create(client, exercise, owner, filter=expression), 422, "invalid-filter")
    assert any(e["pointer"].startswith(pointer) and e["location"] == "body" for e in doc["errors"]), doc
    assert endpoint_count(session, exercise) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"event_types": []},
        {"event_types": ["Case Opened"]},
        {"event_types": ["case.*.x"]},
        {"secret": "short"},
        {"after": -1},
        {"unknown": 1},
    ],
)
def test_bad_fields_are_validation_errors(
    client: TestClient, session: Session, exercise: Exercise, owner: Actor, body: dict[str, Any]
) -> None:
    problem(create(client, exercise, owner, **body), 422, "validation-error")
    assert endpoint_count(session, exercise) == 0


def test_update_pause_and_delete(client: TestClient, session: Session, exercise: Exercise, owner: Actor) -> None:
    created = create(client, exercise, owner, event_types=["case.opened"]).json()
    target = url(exercise, f"/{created['id']}")
    expression = {"field": "priority", "op": "eq", "value": "E"}
    r = client.patch(
        target,
        headers=owner.headers,
        json={"filter": expression, "active": False, "event_types": None, "secret": "a-brand-new-secret-value"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["filter"] == expression and r.json()["active"] is False and r.json()["event_types"] is None
    assert "secret" not in r.json()
    stored = session.get(WebhookEndpoint, uuid.UUID(created["id"]))
    assert stored is not None and stored.secret == "a-brand-new-secret-value"
    changed = session.scalars(
        select(Event).where(Event.exercise_id == exercise.id, Event.type == "webhook.updated")
    ).one()
    assert changed.data["changes"]["secret"] == "replaced" and "a-brand-new" not in str(changed.data)
    problem(client.patch(target, headers=owner.headers, json={"url": "http://192.0.2.1/"}), 422, "invalid-webhook-url")
    problem(client.patch(target, headers=owner.headers, json={"filter": {"any": []}}), 422, "invalid-filter")
    for nulled in ("url", "secret", "active"):
        problem(client.patch(target, headers=owner.headers, json={nulled: None}), 422, "validation-error")
    assert client.get(target, headers=owner.headers).json()["url"] == LOCAL
    assert client.delete(target, headers=owner.headers).status_code == 204
    problem(client.get(target, headers=owner.headers), 404, "not-found")
    assert session.scalars(select(Event).where(Event.exercise_id == exercise.id, Event.type == "webhook.deleted")).one()


def test_delivery_log_of_a_fresh_endpoint_is_empty_and_unknown_deliveries_404(
    client: TestClient, exercise: Exercise, owner: Actor
) -> None:
    created = create(client, exercise, owner).json()
    r = client.get(url(exercise, f"/{created['id']}/deliveries"), headers=owner.headers, params={"total": "true"})
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None, "total": 0}
    problem(
        client.post(url(exercise, f"/{created['id']}/deliveries/{uuid.uuid4()}/redeliver"), headers=owner.headers),
        404,
        "not-found",
    )
