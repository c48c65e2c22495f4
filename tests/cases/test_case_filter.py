"""The filter language on the case list and on bulk actions: same answers as the report fields say, inside the
caller's visibility, with 422s that point into the expression."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.auth.models import ExerciseRole as R
from app.cases import bulk
from app.cases.models import Case
from app.events.models import Event
from tests.cases.conftest import World
from tests.reports.test_intake_api import MINIMAL

ENTICEMENT = "Online Enticement of Children for Sexual Acts"
IS_ENTICEMENT = {"field": "incident_type", "op": "eq", "value": ENTICEMENT}


def _intake(client: TestClient, world: World, incident_types: list[str | None]) -> list[str]:
    reporter = world.member(R.reporter)
    ids = []
    for kind in incident_types:
        body: dict[str, Any] = json.loads(json.dumps(MINIMAL))
        if kind is not None:
            body["incidentSummary"]["incidentType"] = kind
        r = client.post(f"{world.base}/reports", headers=reporter.headers, json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["case_id"])
    return ids


def _list(client: TestClient, world: World, expression: Any, headers: dict[str, str] | None = None) -> Any:
    params = {"filter": expression if isinstance(expression, str) else json.dumps(expression)}
    return client.get(f"{world.base}/cases", headers=headers or world.owner.headers, params=params)


def test_the_case_list_filters_by_report_and_case_fields(client: TestClient, world: World) -> None:
    plain, enticement_1, enticement_2 = _intake(client, world, [None, ENTICEMENT, ENTICEMENT])
    r = _list(client, world, IS_ENTICEMENT)
    assert r.status_code == 200, r.text
    assert [c["id"] for c in r.json()["items"]] == [enticement_1, enticement_2]

    r = client.patch(f"{world.base}/cases/{enticement_2}", headers=world.owner.headers, json={"priority": "1"})
    assert r.status_code == 200
    both = {"all": [IS_ENTICEMENT, {"field": "priority", "op": "eq", "value": "1"}]}
    assert [c["id"] for c in _list(client, world, both).json()["items"]] == [enticement_2]
    neither = {"not": IS_ENTICEMENT}
    assert [c["id"] for c in _list(client, world, neither).json()["items"]] == [plain]
    # the filter narrows the other list filters, it does not replace them
    r = client.get(
        f"{world.base}/cases",
        headers=world.owner.headers,
        params={"filter": json.dumps(IS_ENTICEMENT), "priority": "1", "total": "true"},
    )
    assert [c["id"] for c in r.json()["items"]] == [enticement_2]


def test_the_filter_never_widens_visibility(client: TestClient, world: World) -> None:
    in_a, in_b = _intake(client, world, [ENTICEMENT, ENTICEMENT])
    for case_id, unit in ((in_a, "POLDA-A"), (in_b, "POLDA-B")):
        world.session.execute(update(Case).where(Case.id == uuid.UUID(case_id)).values(unit_id=world.units[unit].id))
    world.session.commit()
    analyst_b = world.member(R.analyst, "POLDA-B")
    r = _list(client, world, {"any": [IS_ENTICEMENT, {"not": IS_ENTICEMENT}]}, analyst_b.headers)
    assert [c["id"] for c in r.json()["items"]] == [in_b]


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        ('{"field": "colour", "op": "eq", "value": 1}', "/field"),
        ('{"field": "priority", "op": "eq", "value": "9"}', "/value"),
        ('{"all": []}', "/all"),
        ("{not json", ""),
    ],
)
def test_a_bad_list_filter_is_a_422_that_points_into_it(
    client: TestClient, world: World, raw: str, pointer: str
) -> None:
    r = _list(client, world, raw)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"] == "urn:tipdesk:problem:invalid-filter" and body["parameter"] == "filter"
    assert body["errors"][0]["pointer"] == pointer


def test_bulk_by_filter_acts_on_the_matching_visible_cases(client: TestClient, world: World) -> None:
    plain, enticement_1, enticement_2 = _intake(client, world, [None, ENTICEMENT, ENTICEMENT])
    body = {"filter": IS_ENTICEMENT, "action": "tag", "params": {"add": ["wave-1"]}}
    r = client.post(f"{world.base}/cases/bulk", headers=world.owner.headers, json=body)
    assert r.status_code == 200, r.text
    assert [item["id"] for item in r.json()["results"]] == [enticement_1, enticement_2]
    assert r.json()["applied"] == 2
    tags = {str(c.id): c.tags for c in world.session.scalars(select(Case).where(Case.exercise_id == world.exercise.id))}
    assert tags == {plain: [], enticement_1: ["wave-1"], enticement_2: ["wave-1"]}


def test_bad_bulk_requests_change_nothing(client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    [case_id, *_] = _intake(client, world, [ENTICEMENT, ENTICEMENT])
    url, h = f"{world.base}/cases/bulk", world.owner.headers
    events = world.session.scalar(select(func.count()).select_from(Event))
    tag = {"action": "tag", "params": {"add": ["x"]}}

    for body in ({**tag}, {**tag, "ids": [case_id], "filter": IS_ENTICEMENT}):
        r = client.post(url, headers=h, json=body)
        assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:validation-error", body
    r = client.post(url, headers=h, json={**tag, "filter": {"field": "priority", "op": "lt", "value": "1"}})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:invalid-filter"
    assert r.json()["errors"][0]["pointer"] == "/filter/op"

    monkeypatch.setattr(bulk, "MAX_BULK_FILTER", 1)
    r = client.post(url, headers=h, json={**tag, "filter": IS_ENTICEMENT})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:bulk-too-many"
    assert r.json()["matched"] == 2 and r.json()["limit"] == 1
    assert world.session.scalar(select(func.count()).select_from(Event)) == events
