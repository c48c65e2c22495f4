"""JSON intake over HTTP: stored with a case and events, idempotent, strict vs lenient, XML out, filters."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import xmlschema
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.cases.models import Case
from app.reports.models import Indicator, Report
from tests.conftest import Actor, Factory
from tests.reports.samples import build_report
from tests.reports.test_document import XSD_PATH

MINIMAL: dict[str, Any] = {
    "incidentSummary": {
        "incidentType": "Child Pornography (possession, manufacture, and distribution)",
        "incidentDateTime": "2026-03-02T07:30:00+07:00",
    },
    "reporter": {
        "reportingPerson": {
            "firstName": "Agus",
            "lastName": "Santoso",
            "email": [{"value": "trust.safety@pelangi-chat.example"}],
        }
    },
}


def _setup(factory: Factory, **exercise: Any) -> tuple[Any, Actor, Actor]:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner, **exercise)
    return ex, owner, factory.member(ex, ExerciseRole.reporter)


def test_a_report_is_stored_with_its_case_indicators_and_events(
    client: TestClient, factory: Factory, session: Session
) -> None:
    ex, owner, reporter = _setup(factory)
    doc = build_report(3)
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=doc)
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/exercises/{ex.id}/reports/{body['id']}"
    assert body["number"] == 1 and body["source"] == "api" and body["flags"] == []
    assert body["section_a"]["incidentSummary"]["incidentType"] == doc["incidentSummary"]["incidentType"]
    case = session.get(Case, uuid.UUID(body["case_id"]))
    assert case is not None and case.status == "new" and case.number == 1
    assert session.scalar(select(func.count()).where(Indicator.report_id == uuid.UUID(body["id"]))) > 0
    events = client.get(f"/api/v1/exercises/{ex.id}/events", headers=owner.headers).json()["items"]
    assert [e["type"] for e in events][-3:] == ["case.opened", "case.routed", "report.received"]
    second = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=build_report(4))
    assert second.json()["number"] == 2


def test_classification_and_urgency_are_set_as_ncmec_would(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    informational = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=MINIMAL).json()
    assert informational["classification"] == "informational" and informational["urgent"] is False
    doc = copy.deepcopy(MINIMAL)
    doc["incidentSummary"]["escalateToHighPriority"] = "Account activity indicates a child may be at immediate risk."
    doc["personOrUserReported"] = [{"screenName": "user_4471", "espService": "Pelangi Chat"}]
    referral = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=doc).json()
    assert referral["classification"] == "referral" and referral["urgent"] is True
    assert referral["escalation"].startswith("Account activity")


def test_idempotency_key_replays_and_refuses_a_different_body(
    client: TestClient, factory: Factory, session: Session
) -> None:
    ex, _owner, reporter = _setup(factory)
    url = f"/api/v1/exercises/{ex.id}/reports"
    headers = {**reporter.headers, "Idempotency-Key": "esp-batch-7/0001"}
    first = client.post(url, headers=headers, json=build_report(1))
    again = client.post(url, headers=headers, json=build_report(1))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = client.post(url, headers=headers, json=build_report(2))
    assert other.status_code == 409 and other.json()["type"] == "urn:tipdesk:problem:idempotency-key-reused"
    assert session.scalar(select(func.count()).where(Report.exercise_id == ex.id)) == 1
    assert session.scalar(select(func.count()).where(Case.exercise_id == ex.id)) == 1


def test_strict_intake_refuses_real_looking_identifiers_and_unknown_fields(
    client: TestClient, factory: Factory, session: Session
) -> None:
    ex, owner, reporter = _setup(factory)
    doc = copy.deepcopy(MINIMAL)
    doc["reporter"]["reportingPerson"]["email"] = [{"value": "someone@gmail.com"}]
    doc["internetDetails"] = [{"webPageIncident": {"url": ["http://www.wikipedia.org/"]}}]
    doc["incidentSummary"]["colour"] = "blue"
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=doc)
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unsafe-report"
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert {
        "/reporter/reportingPerson/email/0/value",
        "/internetDetails/0/webPageIncident/url/0",
        "/incidentSummary/colour",
    } <= pointers
    assert session.scalar(select(func.count()).where(Report.exercise_id == ex.id)) == 0
    assert session.scalar(select(func.count()).where(Case.exercise_id == ex.id)) == 0
    # the same report in a lenient exercise is stored, flagged, without the unknown field
    client.patch(f"/api/v1/exercises/{ex.id}", headers=owner.headers, json={"intake_mode": "lenient"})
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=doc)
    assert r.status_code == 201
    assert {f["pointer"] for f in r.json()["flags"]} == pointers
    assert "colour" not in r.json()["section_a"]["incidentSummary"]


def test_invalid_documents_are_422_with_pointers(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    doc = copy.deepcopy(MINIMAL)
    doc["incidentSummary"]["incidentType"] = "Something else"
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=doc)
    assert r.status_code == 422
    assert any(e["pointer"] == "/incidentSummary/incidentType" for e in r.json()["errors"])


def test_xml_rendering_validates_against_the_xsd(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    schema = xmlschema.XMLSchema(str(XSD_PATH))
    for i in range(5):
        rid = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=build_report(i)).json()[
            "id"
        ]
        r = client.get(
            f"/api/v1/exercises/{ex.id}/reports/{rid}", headers={**owner.headers, "Accept": "application/xml"}
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
        schema.validate(r.content)


def test_roles_and_visibility(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    other_reporter = factory.member(ex, ExerciseRole.reporter)
    observer = factory.member(ex, ExerciseRole.observer)
    investigator = factory.member(ex, ExerciseRole.investigator)
    url = f"/api/v1/exercises/{ex.id}/reports"
    assert client.post(url, headers=observer.headers, json=MINIMAL).status_code == 403
    assert client.post(url, headers=investigator.headers, json=MINIMAL).status_code == 403
    rid = client.post(url, headers=reporter.headers, json=MINIMAL).json()["id"]
    assert client.get(f"{url}/{rid}", headers=reporter.headers).status_code == 200
    assert client.get(f"{url}/{rid}", headers=other_reporter.headers).status_code == 404
    assert client.get(f"{url}/{rid}", headers=investigator.headers).status_code == 200
    assert client.get(url, headers=other_reporter.headers).json()["items"] == []
    assert client.get(url, headers=observer.headers).status_code == 403


def test_closed_exercises_take_no_reports(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    for status in ("active", "closed"):
        client.patch(f"/api/v1/exercises/{ex.id}", headers=owner.headers, json={"status": status})
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=MINIMAL)
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:exercise-not-taking-reports"


def test_list_filters_and_pages(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    url = f"/api/v1/exercises/{ex.id}/reports"
    docs = [build_report(i) for i in range(8)]
    for doc in docs:
        assert client.post(url, headers=reporter.headers, json=doc).status_code == 201
    everything = client.get(f"{url}?limit=3", headers=owner.headers).json()
    assert [r["number"] for r in everything["items"]] == [1, 2, 3] and everything["next_cursor"]
    itype = docs[0]["incidentSummary"]["incidentType"]
    expected = sum(1 for d in docs if d["incidentSummary"]["incidentType"] == itype)
    got = client.get(url, headers=owner.headers, params={"incident_type": itype, "total": "true"}).json()
    assert got["total"] == expected and all(r["incident_type"] == itype for r in got["items"])
    flagged = [d for d in docs if (d["incidentSummary"].get("reportAnnotations") or {}).get("spam")]
    spam = client.get(url, headers=owner.headers, params={"annotation": "spam", "total": "true"}).json()
    assert spam["total"] == len(flagged)
    urgent = client.get(url, headers=owner.headers, params={"urgent": "true", "total": "true"}).json()
    assert urgent["total"] == sum(1 for d in docs if (d["incidentSummary"].get("escalateToHighPriority") or "").strip())
    assert client.get(url, headers=owner.headers, params={"annotation": "nonsense"}).status_code == 422
    assert client.get(url, headers=owner.headers, params={"received_from": "2026-01-01T00:00:00"}).status_code == 422


def test_json_types_are_exact_as_the_schema_says(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    url = f"/api/v1/exercises/{ex.id}/reports"
    cases = [
        ("/reporter/reportingPerson/age", {"age": "12"}),
        ("/reporter/reportingPerson/age", {"age": True}),
        ("/reporter/reportingPerson/dateOfBirth", {"dateOfBirth": 20000101}),
    ]
    for pointer, extra in cases:
        doc = copy.deepcopy(MINIMAL)
        doc["reporter"]["reportingPerson"].update(extra)
        r = client.post(url, headers=reporter.headers, json=doc)
        assert r.status_code == 422, extra
        assert any(e["pointer"] == pointer for e in r.json()["errors"]), r.json()
    doc = copy.deepcopy(MINIMAL)
    doc["incidentSummary"]["incidentDateTime"] = 1767225600
    assert client.post(url, headers=reporter.headers, json=doc).status_code == 422
    assert client.get(url, headers=reporter.headers, params={"received_to": "0.5"}).status_code == 422


def test_indicators_link_reports_that_share_a_value(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    url = f"/api/v1/exercises/{ex.id}/reports"
    shared = copy.deepcopy(MINIMAL)
    shared["personOrUserReported"] = [
        {
            "screenName": "Night_Owl_77",
            "espService": "Pelangi Chat",
            "personOrUserReportedPerson": {
                "email": [{"value": "Owl.77@Pelangi-Chat.example"}],
                "phone": [{"value": "2015550142", "countryCallingCode": "+1"}],
            },
        }
    ]
    first = client.post(url, headers=reporter.headers, json=shared).json()
    other = copy.deepcopy(shared)
    other["personOrUserReported"][0]["screenName"] = "@night_owl_77"
    other["personOrUserReported"][0]["espService"] = "Awan Drive"  # same name on another service: not the same account
    second = client.post(url, headers=reporter.headers, json=other).json()
    find = f"/api/v1/exercises/{ex.id}/indicators"

    def numbers(**params: str) -> list[int]:
        r = client.get(find, headers=owner.headers, params=params)
        assert r.status_code == 200, r.text
        return sorted(h["report_number"] for h in r.json()["items"])

    assert numbers(kind="email", value="owl.77@pelangi-chat.example") == [first["number"], second["number"]]
    assert numbers(kind="phone", value="+1 201-555-0142") == [first["number"], second["number"]]
    assert numbers(kind="screen_name", value="NIGHT_OWL_77", scope="pelangi chat") == [first["number"]]
    assert numbers(kind="screen_name", value="night_owl_77") == [first["number"], second["number"]]
    hit = client.get(find, headers=owner.headers, params={"kind": "email", "value": "owl.77@pelangi-chat.example"})
    assert hit.json()["items"][0]["pointer"] == "/personOrUserReported/0/personOrUserReportedPerson/email/0/value"
    assert hit.json()["items"][0]["case_id"] in {first["case_id"], second["case_id"]}
    bad = client.get(find, headers=owner.headers, params={"kind": "ip", "value": "not-an-address"})
    assert bad.status_code == 422 and bad.json()["type"] == "urn:tipdesk:problem:invalid-indicator"
    assert client.get(find, headers=reporter.headers, params={"kind": "ip", "value": "192.0.2.1"}).status_code == 403
