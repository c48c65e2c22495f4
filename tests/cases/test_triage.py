"""Triage over PATCH: one event per changed field with old and new values, ETags and If-Match, the case read and
its history."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole
from app.cases import service as cases_service
from app.cases import sla
from app.cases.models import Classification
from tests.cases.conftest import World
from tests.reports.test_intake_api import MINIMAL


def test_each_changed_field_is_one_event_with_old_and_new(client: TestClient, world: World) -> None:
    case = world.case(tags=["viral"])
    analyst = world.member(ExerciseRole.analyst)
    body = {"priority": "1", "classification": "informational", "add_tags": ["bundle"], "note": "Checked Section B."}
    r = client.patch(world.url(case), headers={**analyst.headers, "If-Match": '"1"'}, json=body)
    assert r.status_code == 200, r.text
    read = r.json()
    assert r.headers["etag"] == '"2"' and read["version"] == 2
    assert read["priority"] == "1" and read["classification"] == "informational"
    assert read["tags"] == ["viral", "bundle"]
    assert read["notes"][0]["text"] == "Checked Section B." and read["notes"][0]["actor"] == f"user:{analyst.user.id}"
    history = client.get(world.url(case, "/history"), headers=analyst.headers).json()["items"]
    changes = [(h["field"], h["old"], h["new"]) for h in history if h["type"] == "case.updated"]
    assert changes[:3] == [
        ("priority", None, "1"),
        ("classification", "referral", "informational"),
        ("tags", ["viral"], ["viral", "bundle"]),
    ]
    assert changes[3][0] == "notes" and changes[3][2]["text"] == "Checked Section B."
    assert history[0]["type"] == "case.opened" and all(h["actor"] for h in history)
    # the same values again change nothing: no event, same version
    again = client.patch(world.url(case), headers=analyst.headers, json={"priority": "1", "tags": ["viral", "bundle"]})
    assert again.json()["version"] == 2
    r = client.patch(world.url(case), headers=analyst.headers, json={"remove_tags": ["viral"], "priority": None})
    assert r.json()["tags"] == ["bundle"] and r.json()["priority"] is None and r.json()["version"] == 3


def test_stale_if_match_is_412_and_star_matches(client: TestClient, world: World) -> None:
    case = world.case()
    headers = world.owner.headers
    assert client.get(world.url(case), headers=headers).headers["etag"] == '"1"'
    assert client.patch(world.url(case), headers=headers, json={"priority": "2"}).status_code == 200
    r = client.patch(world.url(case), headers={**headers, "If-Match": '"1"'}, json={"priority": "3"})
    assert r.status_code == 412 and r.json()["current_etag"] == '"2"' and r.headers["etag"] == '"2"'
    r = client.post(
        world.url(case, "/transitions"), headers={**headers, "If-Match": 'W/"1", "7"'}, json={"to": "triaged"}
    )
    assert r.status_code == 412
    r = client.patch(world.url(case), headers={**headers, "If-Match": "*"}, json={"priority": "3"})
    assert r.status_code == 200 and r.json()["priority"] == "3"


def test_patch_refusals(client: TestClient, world: World) -> None:
    case = world.case(unit="POLDA-A")
    investigator = world.member(ExerciseRole.investigator, "NAT")
    assert client.patch(world.url(case), headers=investigator.headers, json={"priority": "1"}).status_code == 403
    for bad in (
        {"priority": "4"},
        {"tags": ["has space"]},
        {"tags": ["a"], "add_tags": ["b"]},
        {"classification": None},
        {"status": "closed"},
        {"note": ""},
    ):
        r = client.patch(world.url(case), headers=world.owner.headers, json=bad)
        assert r.status_code == 422, (bad, r.text)
    missing = world.url(world.case().id).rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    assert client.patch(missing, headers=world.owner.headers, json={"priority": "1"}).status_code == 404


def test_intake_opens_a_case_the_read_shows_with_its_report(client: TestClient, world: World) -> None:
    reporter = world.member(ExerciseRole.reporter)
    doc = {
        **MINIMAL,
        "incidentSummary": {**MINIMAL["incidentSummary"], "escalateToHighPriority": "A child may be at risk."},
        "personOrUserReported": [{"screenName": "user_1", "estimatedLocation": {"region": "JB", "countryCode": "ID"}}],
    }
    report = client.post(f"{world.base}/reports", headers=reporter.headers, json=doc).json()
    read = client.get(world.url(report["case_id"]), headers=world.owner.headers).json()
    assert read["priority"] == "E" and read["urgent"] is True and read["province"] == "ID-JB"
    assert read["incident_type"] == MINIMAL["incidentSummary"]["incidentType"]
    assert [r["number"] for r in read["reports"]] == [report["number"]]
    assert read["routing"] == {"unit": None, "events": []} and read["links"] == []
    assert read["allowed_transitions"] == ["triaged", "closed"]
    assert read["sla"]["state"] == "ok" and read["sla"]["due_at"] is not None
    assert client.get(world.url(report["case_id"]), headers=reporter.headers).status_code == 403


def test_an_urgent_report_joining_a_bundle_makes_it_exigent(world: World) -> None:
    ctx = world.ctx()
    at = ctx.now()
    row, _event = cases_service.build_case(
        ctx, number=1, classification=Classification.informational, urgent=False, at=at, report_number=1,
        policy=sla.DEFAULT_POLICY,
    )  # fmt: skip
    assert row["priority"] is None and row["triage_due_at"] == at + timedelta(hours=24)
    event = cases_service.add_to_new_row(
        ctx, case=row, classification=Classification.referral, urgent=True, at=at, report_number=2,
        policy=sla.DEFAULT_POLICY,
    )  # fmt: skip
    assert row["priority"] == "E" and row["priority_rank"] == 0 and row["version"] == 2
    assert row["triage_due_at"] == at + timedelta(hours=1) and row["sla_due_at"] == at + timedelta(hours=1)
    assert event.data is not None and set(event.data["changes"]) == {"classification", "urgent", "priority"}
