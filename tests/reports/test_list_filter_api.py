"""``?filter=`` on the report list: the filter language over report and case fields, combined with the other
filters, paging and visibility; invalid expressions are 422 problems that point into the expression."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole, GlobalRole
from app.core.filters.http import MAX_QUERY_CHARS
from tests.conftest import Actor, Factory

ENTICEMENT = "Online Enticement of Children for Sexual Acts"
TOURISM = "Child Sex Tourism"


def document(
    incident_type: str,
    *,
    urgent: bool = False,
    ages: tuple[int, ...] = (),
    spam: bool = False,
    estimate: dict[str, str] | None = None,
) -> Any:
    doc: dict[str, Any] = {
        "incidentSummary": {"incidentType": incident_type, "incidentDateTime": "2026-03-02T07:30:00+07:00"},
        "reporter": {"reportingPerson": {"firstName": "Agus", "lastName": "Santoso"}},
    }
    if urgent:
        doc["incidentSummary"]["escalateToHighPriority"] = "Account activity indicates ongoing contact."
    if spam:
        doc["incidentSummary"]["reportAnnotations"] = {"spam": True}
    if ages:
        doc["victim"] = [{"victimPerson": {"age": a}} for a in ages]
    if estimate:
        doc["personOrUserReported"] = [{"screenName": "user.one", "estimatedLocation": estimate}]
    return doc


BANDUNG = {"city": "Kota Bandung", "region": "Jawa Barat", "countryCode": "ID"}
JAKARTA_BARAT = {"city": "Kota Adm. Jakarta Barat", "region": "DKI Jakarta", "countryCode": "ID"}


@pytest.fixture
def world(client: TestClient, factory: Factory) -> tuple[str, Actor, Actor, Actor]:
    """Five reports from one reporter, one from another: numbers 1-6."""
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    first, second = factory.member(ex, ExerciseRole.reporter), factory.member(ex, ExerciseRole.reporter)
    url = f"/api/v1/exercises/{ex.id}/reports"
    docs = [
        (first, document(ENTICEMENT, urgent=True, ages=(14, 11))),
        (first, document(ENTICEMENT, ages=(15,), estimate=BANDUNG)),
        (first, document(TOURISM, urgent=True, spam=True)),
        (first, document(TOURISM, ages=(9,), estimate=JAKARTA_BARAT)),
        (first, document(ENTICEMENT, spam=True)),
        (second, document(ENTICEMENT, urgent=True, ages=(10,))),
    ]
    for reporter, doc in docs:
        assert client.post(url, headers=reporter.headers, json=copy.deepcopy(doc)).status_code == 201
    return url, owner, first, second


def numbers(client: TestClient, url: str, actor: Actor, expression: Any, **params: Any) -> list[int]:
    r = client.get(url, headers=actor.headers, params={"filter": json.dumps(expression), **params})
    assert r.status_code == 200, r.text
    return [item["number"] for item in r.json()["items"]]


def test_the_filter_selects_reports_by_report_and_case_fields(client: TestClient, world: Any) -> None:
    url, owner, _first, _second = world
    enticement = {"field": "incident_type", "op": "eq", "value": ENTICEMENT}
    assert numbers(client, url, owner, enticement) == [1, 2, 5, 6]
    assert numbers(client, url, owner, {"all": [enticement, {"field": "urgent", "op": "eq", "value": True}]}) == [1, 6]
    assert numbers(client, url, owner, {"field": "victim_age", "op": "lt", "value": 12}) == [1, 4, 6]
    assert numbers(client, url, owner, {"not": {"field": "victim_age", "op": "lt", "value": 12}}) == [2, 3, 5]
    assert numbers(client, url, owner, {"field": "annotations", "op": "contains", "value": "spam"}) == [3, 5]
    assert numbers(client, url, owner, {"field": "status", "op": "eq", "value": "new"}) == [1, 2, 3, 4, 5, 6]
    # the default ruleset routes every case on intake: none is left without a unit
    assert numbers(client, url, owner, {"not": {"field": "unit", "op": "exists"}}) == []
    assert numbers(client, url, owner, {"field": "unit", "op": "eq", "value": "dittipidsiber"}) == [1, 3, 5, 6]
    assert numbers(client, url, owner, {"field": "number", "op": "gt", "value": 2**40}) == []


def test_the_filter_selects_reports_by_their_resolved_location(client: TestClient, world: Any) -> None:
    url, owner, _first, _second = world
    assert numbers(client, url, owner, {"field": "location_province", "op": "in", "value": ["ID-JB", "ID-BT"]}) == [2]
    assert numbers(client, url, owner, {"field": "location_city", "op": "contains", "value": "JAKARTA"}) == [4]
    assert numbers(client, url, owner, {"field": "location_source", "op": "eq", "value": "unresolved"}) == [1, 3, 5, 6]
    assert numbers(client, url, owner, {"not": {"field": "location_city", "op": "exists"}}) == [1, 3, 5, 6]
    assert numbers(client, url, owner, {"field": "file_count", "op": "gt", "value": 0}) == []


def test_the_filter_combines_with_the_other_filters_paging_and_visibility(client: TestClient, world: Any) -> None:
    url, owner, first, _second = world
    urgent = {"field": "urgent", "op": "eq", "value": True}
    assert numbers(client, url, owner, urgent, incident_type=TOURISM) == [3]
    assert numbers(client, url, first, urgent) == [1, 3]  # a reporter still sees only their own reports
    page = client.get(url, headers=owner.headers, params={"filter": json.dumps(urgent), "limit": 2, "total": "true"})
    body = page.json()
    assert [i["number"] for i in body["items"]] == [1, 3] and body["total"] == 3
    rest = client.get(
        url, headers=owner.headers, params={"filter": json.dumps(urgent), "cursor": body["next_cursor"]}
    ).json()
    assert [i["number"] for i in rest["items"]] == [6] and rest["next_cursor"] is None


def test_an_invalid_expression_is_a_422_pointing_into_it(client: TestClient, world: Any) -> None:
    url, owner, _first, _second = world
    expression = {
        "all": [
            {"field": "incident_type", "op": "eq", "value": "enticement"},
            {"field": "victim_age", "op": "contains", "value": 12},
            {"any": []},
            {"field": "colour", "op": "eq", "value": "red"},
        ]
    }
    r = client.get(url, headers=owner.headers, params={"filter": json.dumps(expression)})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "urn:tipdesk:problem:invalid-filter" and body["parameter"] == "filter"
    assert [(e["pointer"], e["location"]) for e in body["errors"]] == [
        ("/all/0/value", "query"),
        ("/all/1/op", "query"),
        ("/all/2/any", "query"),
        ("/all/3/field", "query"),
    ]
    assert "Online Enticement of Children for Sexual Acts" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ('{"field": "urgent", "op": "eq", "value": true', "invalid-filter"),
        ("urgent=true", "invalid-filter"),
        ('"urgent"', "invalid-filter"),
        ("[" * 3000, "invalid-filter"),
        ('{"field": "esp_name", "op": "eq", "value": "a\\u0000b"}', "invalid-filter"),
        ('{"field": "esp_name", "op": "eq", "value": "\\ud800"}', "invalid-filter"),
        ("", "validation-error"),
        ("{" + " " * MAX_QUERY_CHARS + "}", "validation-error"),
    ],
)
def test_text_that_is_no_expression_is_a_422(client: TestClient, world: Any, raw: str, slug: str) -> None:
    url, owner, _first, _second = world
    r = client.get(url, headers=owner.headers, params={"filter": raw})
    assert r.status_code == 422, r.text
    assert r.json()["type"] == f"urn:tipdesk:problem:{slug}"


def test_the_openapi_document_describes_the_language_and_the_fields(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/exercises/{exercise_id}/reports"]["get"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "filter"]
    assert parameter["in"] == "query" and parameter["schema"]["anyOf"][0]["maxLength"] == MAX_QUERY_CHARS
    description = parameter["description"]
    names = ("incident_type", "annotations", "victim_age", "status", "priority", "unit", "tags", "esp_name")
    for name in (*names, "location_province", "location_city", "file_count"):
        assert f"| `{name}` |" in description
    assert '{"all": [' in description and "422 `invalid-filter`" in description
    assert "422" in operation["responses"]
