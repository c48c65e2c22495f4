from __future__ import annotations

from fastapi.testclient import TestClient

from app.auth.models import GlobalRole
from app.core.config import Settings
from tests.conftest import Factory


def test_walking_pages_returns_every_item_once_in_order(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    made = [str(factory.exercise(owner).id) for _ in range(7)]
    seen: list[str] = []
    url = "/api/v1/exercises?limit=3&total=true"
    pages = 0
    while url:
        body = client.get(url, headers=owner.headers).json()
        assert body.get("total") == 7, body
        assert len(body["items"]) <= 3
        seen += [e["id"] for e in body["items"]]
        pages += 1
        url = f"/api/v1/exercises?limit=3&total=true&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert pages == 3
    assert seen == made  # creation order, each exactly once


def test_total_is_only_counted_when_asked(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    factory.exercise(owner)
    assert client.get("/api/v1/exercises", headers=owner.headers).json()["total"] is None


def test_limit_is_capped_at_the_configured_maximum(client: TestClient, factory: Factory, settings: Settings) -> None:
    owner = factory.user(GlobalRole.instructor)
    for _ in range(3):
        factory.exercise(owner)
    settings_small = settings.model_copy(update={"page_max_limit": 2, "page_default_limit": 2})
    client.app.state.settings = settings_small  # type: ignore[attr-defined]
    try:
        body = client.get("/api/v1/exercises?limit=1000", headers=owner.headers).json()
    finally:
        client.app.state.settings = settings  # type: ignore[attr-defined]
    assert len(body["items"]) == 2 and body["next_cursor"]


def test_tampered_or_foreign_cursors_are_400(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    for _ in range(3):
        factory.exercise(owner)
    cursor = client.get("/api/v1/exercises?limit=1", headers=owner.headers).json()["next_cursor"]
    body, sig = cursor.rsplit(".", 1)
    for bad in (body + "." + ("0" * len(sig)), "garbage", "x.y", body[:-2] + "." + sig):
        r = client.get(f"/api/v1/exercises?cursor={bad}", headers=owner.headers)
        assert r.status_code == 400, bad
        assert r.json()["type"] == "urn:tipdesk:problem:bad-request"
    first_id = client.get("/api/v1/exercises", headers=owner.headers).json()["items"][0]["id"]
    events_page = client.get(f"/api/v1/exercises/{first_id}/events?limit=1", headers=owner.headers).json()
    events_cursor = events_page["next_cursor"]
    assert client.get(f"/api/v1/exercises?cursor={events_cursor}", headers=owner.headers).status_code == 400


def test_limit_must_be_positive(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    assert client.get("/api/v1/exercises?limit=0", headers=owner.headers).status_code == 422
