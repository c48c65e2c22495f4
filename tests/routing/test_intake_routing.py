"""Routing on intake with the default id-polri ruleset: where representative reports go, what the case takes from
the decision, the explanation stored with it, the event, re-routing that keeps the record, and visibility."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.cases.models import Case
from app.events.models import Event
from app.routing.explanations import LOOKED_UP_FROM, Explanations, explanation_id
from app.routing.models import RoutingDecision, RoutingExplanation
from tests.conftest import Factory
from tests.routing.support import CSAM, DOMAIN, ENTICEMENT, MOLESTATION, Desk, desk, report


@pytest.fixture
def d(client: TestClient, session: Session, factory: Factory) -> Desk:
    return desk(client, session, factory)


@pytest.mark.parametrize(
    ("doc", "unit", "rule", "via", "priority", "tags"),
    [
        # everything else: the unit covering the place (a Polrestabes where the template has one)
        (report(city="Kota Bandung"), "polrestabes-bandung", "by-jurisdiction", "jurisdiction", "2", []),
        (report(city="Kota Depok"), "polres-metro-depok", "by-jurisdiction", "jurisdiction", "2", []),
        # urgent: the Polda with jurisdiction, priority E, flagged for PPA-PPO
        (
            report(city="Kabupaten Tangerang", district="Kelapa Dua", urgent=True),
            "polda-metro-jaya",
            "urgent-to-polda",
            "polda",
            "E",
            ["ppa-ppo", "urgent"],
        ),
        # hands-on abuse: the Polda, priority 1, flagged
        (
            report(incident=MOLESTATION, city="Kabupaten Tangerang", district="Balaraja"),
            "polda-banten",
            "hands-on-abuse-to-polda",
            "polda",
            "1",
            ["ppa-ppo"],
        ),
        (
            report(incident=ENTICEMENT, city="Kota Bekasi"),
            "polda-metro-jaya",
            "hands-on-abuse-to-polda",
            "polda",
            "1",
            ["ppa-ppo"],
        ),
        # a place split between two Polda with no kecamatan: nothing decides, the fallback takes it
        (
            report(
                incident=MOLESTATION, estimate={"city": "Kabupaten Tangerang", "region": "Banten", "countryCode": "ID"}
            ),
            "dittipidsiber",
            "hands-on-abuse-to-polda",
            "fallback",
            "1",
            ["ppa-ppo"],
        ),
        # no place in Indonesia: the national intake
        (report(), "dittipidsiber", "unresolved-to-national-intake", "unit", "2", ["location-unresolved"]),
        # informational: the national review queue
        (
            report(
                identifying=False,
                incident=DOMAIN,
                estimate={"city": "Kota Surabaya", "region": "Jawa Timur", "countryCode": "ID"},
            ),
            "dittipidsiber.review",
            "informational-to-review",
            "unit",
            "3",
            [],
        ),
        # tags accumulate from a rule that does not route
        (
            report(city="Kota Bandung", annotations={"sextortion": True}),
            "polrestabes-bandung",
            "by-jurisdiction",
            "jurisdiction",
            "1",
            ["ppa-ppo", "sextortion"],
        ),
    ],
)
def test_the_default_ruleset_routes_representative_reports(
    d: Desk, doc: dict[str, Any], unit: str, rule: str, via: str, priority: str | None, tags: list[str]
) -> None:
    body = d.submit(doc)
    routing = d.routing(body["case_id"])
    current = routing["current"]
    assert (current["unit_code"], current["rule_name"], current["via"]) == (unit, rule, via)
    assert (current["suggested_priority"], current["tags"]) == (priority, tags)
    assert routing["unit_id"] == str(d.unit_id(unit)) == current["unit_id"]
    case = d.client.get(f"{d.base}/cases/{body['case_id']}", headers=d.owner.headers).json()
    assert case["tags"] == tags
    assert case["priority"] == ("E" if doc["incidentSummary"].get("escalateToHighPriority") else priority)


def test_the_explanation_names_the_version_the_rule_each_condition_and_why_others_did_not_match(d: Desk) -> None:
    current = d.current(report(incident=MOLESTATION, city="Kabupaten Tangerang", district="Balaraja"))
    ex = current["explanation"]
    assert ex["ruleset"]["version"] == current["ruleset_version"] == 1 and ex["ruleset"]["id"] == current["ruleset_id"]
    assert ex["matched_rule"] == {"index": 1, "name": "hands-on-abuse-to-polda"}
    rules = {r["name"]: r for r in ex["rules"]}
    urgent = rules["urgent-to-polda"]
    assert urgent["matched"] is False
    assert urgent["checks"] == [
        {"pointer": "", "field": "urgent", "op": "eq", "value": True, "actual": False, "result": False}
    ]
    assert urgent["why"] == "urgent eq True did not hold (saw False)"
    hands_on = rules["hands-on-abuse-to-polda"]
    assert hands_on["matched"] is True and hands_on["checks"][0]["actual"] == MOLESTATION
    assert [a["type"] for a in hands_on["applied"]] == ["route_by_jurisdiction", "suggest_priority", "add_tag"]
    # the catch-all matched too, but its routing and priority were decided already; it says so
    last = rules["by-jurisdiction"]
    assert last["matched"] is True and last["applied"] == []
    assert {a["type"] for a in last["not_applied"]} == {"route_by_jurisdiction", "suggest_priority"}
    assert "rule 1 already decided the unit" in last["not_applied"][0]["why"]
    assert rules["unresolved-to-national-intake"]["checks"][0]["actual"] == "ID-BT"
    juris = ex["routing"]["jurisdiction"]
    assert juris["outcome"] == "decided" and juris["covering_unit"] == "polresta-tangerang"
    assert juris["polda"] == "polda-banten" and juris["area"]["district"] == "Balaraja"


def test_the_decision_is_an_event_and_a_row_written_with_the_case(d: Desk, session: Session) -> None:
    body = d.submit(report(city="Kota Bandung"))
    events = d.client.get(f"{d.base}/events", headers=d.owner.headers, params={"type": "case.routed"}).json()["items"]
    routed = [e for e in events if e["type"] == "case.routed" and e["subject_id"] == body["case_id"]]
    assert len(routed) == 1 and routed[0]["data"]["unit_code"] == "polrestabes-bandung"
    assert routed[0]["data"]["seq"] == 1 and routed[0]["data"]["reason"] == "intake"
    read = d.client.get(f"{d.base}/cases/{body['case_id']}", headers=d.owner.headers).json()
    assert read["routing"]["unit"]["code"] == "polrestabes-bandung"
    assert [e["type"] for e in read["routing"]["events"]] == ["case.routed"]
    assert session.scalar(select(func.count()).select_from(RoutingDecision)) >= 1


def test_bulk_intake_routes_every_new_case(d: Desk, session: Session) -> None:
    docs = [report(city="Kota Bandung"), report(), report(incident=MOLESTATION, city="Kota Depok")]
    case_ids = [item["case_id"] for item in d.bulk(docs)]
    codes = [d.routing(cid)["current"]["unit_code"] for cid in case_ids]
    assert codes == ["polrestabes-bandung", "dittipidsiber", "polda-metro-jaya"]  # Depok: Polda Metro Jaya


def test_reports_routed_alike_share_one_stored_explanation(d: Desk, session: Session) -> None:
    """Each distinct explanation is stored once per exercise, whichever transaction met it first; every decision
    still reads its own, equal to what the router explains for its report."""
    alike = [report(city="Kota Bandung") for _ in range(4)]
    first = [item["case_id"] for item in d.bulk(alike[:2])]
    later = [d.submit(doc)["case_id"] for doc in alike[2:]]  # other transactions, the same explanation
    other = d.bulk([report(incident=MOLESTATION, city="Kota Depok")])[0]["case_id"]
    explanations = [d.routing(cid)["current"]["explanation"] for cid in [*first, *later, other]]
    assert all(e == explanations[0] for e in explanations[:4]) and explanations[4] != explanations[0]
    assert explanations[4]["unit"] == "polda-metro-jaya"
    exercise_id = d.exercise.id
    decisions = session.scalars(select(RoutingDecision).where(RoutingDecision.exercise_id == exercise_id)).all()
    ids = {decision.explanation_id for decision in decisions}
    stored = session.scalars(select(RoutingExplanation).where(RoutingExplanation.exercise_id == exercise_id)).all()
    assert len(decisions) == 5 and len(ids) == 2 and {e.id for e in stored} == ids
    assert {e.id: e.body for e in stored}[explanation_id(exercise_id, explanations[0])] == explanations[0]


def test_a_large_batch_writes_only_the_explanations_not_stored_yet(d: Desk, session: Session) -> None:
    """From LOOKED_UP_FROM distinct explanations in one store, the stored ones are looked up and not
    written again; each decision still reads its own."""
    docs = [
        report(incident=incident, urgent=urgent, city=city)
        for incident in (CSAM, MOLESTATION, ENTICEMENT)
        for urgent in (False, True)
        for city in ("Kota Bandung", "Kota Depok")
    ]
    assert len(docs) >= LOOKED_UP_FROM
    first = [d.routing(item["case_id"])["current"]["explanation"] for item in d.bulk(docs)]
    bogor = report(city="Kota Bogor")
    again = [d.routing(item["case_id"])["current"]["explanation"] for item in d.bulk([*docs, bogor])]
    assert again[:-1] == first and len({json.dumps(e, sort_keys=True) for e in first}) == len(docs)
    known = Explanations(d.exercise.id)
    for explanation in again:
        known.id_of(explanation)
    assert [row["body"] for row in known.unstored(session)] == []  # all stored now
    fresh = {**again[0], "unit": "not-stored"}
    known.id_of(fresh)
    assert [row["body"] for row in known.unstored(session)] == [fresh]
    stored = session.scalar(
        select(func.count()).select_from(RoutingExplanation).where(RoutingExplanation.exercise_id == d.exercise.id)
    )
    assert stored == len(docs) + 1


def test_rerouting_adds_a_decision_and_keeps_the_earlier_ones(d: Desk) -> None:
    body = d.submit(report(city="Kota Bandung"))
    # a new ruleset sends everything to PPA-PPO
    rules = [{"name": "all-to-ppa", "actions": [{"type": "route_to_unit", "unit": "dittipid-ppa-ppo"}]}]
    created = d.client.post(f"{d.base}/rulesets", headers=d.owner.headers, json={"name": "PPA", "rules": rules})
    assert created.status_code == 201, created.text
    activated = d.client.post(f"{d.base}/rulesets/{created.json()['id']}/activate", headers=d.owner.headers)
    assert activated.status_code == 200, activated.text
    r = d.client.post(f"{d.base}/cases/{body['case_id']}/routing", headers=d.owner.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["seq"], r.json()["unit_code"], r.json()["reason"]) == (2, "dittipid-ppa-ppo", "reroute")
    routing = d.routing(body["case_id"])
    assert [h["seq"] for h in routing["history"]] == [2, 1]
    assert routing["history"][1]["unit_code"] == "polrestabes-bandung"
    assert routing["current"]["ruleset_version"] == 2 and routing["unit_id"] == str(d.unit_id("dittipid-ppa-ppo"))


def test_a_polda_analyst_cannot_read_the_routing_of_another_poldas_case(d: Desk) -> None:
    bandung = d.submit(report(incident=MOLESTATION, city="Kota Bandung"))  # polda-jawa-barat
    banten = d.member(ExerciseRole.analyst, "polda-banten")
    jabar = d.member(ExerciseRole.analyst, "polda-jawa-barat")
    url = f"{d.base}/cases/{bandung['case_id']}"
    for tail in ("/routing", "/deconfliction"):
        r = d.client.get(url + tail, headers=banten.headers)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        assert d.client.get(url + tail, headers=jabar.headers).status_code == 200
    # a reporter is no staff; an analyst may not re-route
    assert d.client.get(url + "/routing", headers=d.reporter.headers).status_code == 403
    assert d.client.post(url + "/routing", headers=jabar.headers).status_code == 403


def test_unknown_cases_and_closed_exercise_paths(d: Desk) -> None:
    missing = f"{d.base}/cases/00000000-0000-4000-8000-000000000000"
    for tail in ("/routing", "/deconfliction"):
        r = d.client.get(missing + tail, headers=d.owner.headers)
        assert r.status_code == 404
    assert d.client.post(missing + "/routing", headers=d.owner.headers).status_code == 404


def test_an_exercise_without_a_default_ruleset_leaves_cases_unrouted(
    client: TestClient, session: Session, factory: Factory
) -> None:
    owner = factory.user(__import__("app.auth.models", fromlist=["GlobalRole"]).GlobalRole.instructor)
    ex = factory.exercise(owner, org_template="empty")
    reporter = factory.member(ex, ExerciseRole.reporter)
    body = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=reporter.headers, json=report()).json()
    routing = client.get(f"/api/v1/exercises/{ex.id}/cases/{body['case_id']}/routing", headers=owner.headers).json()
    assert routing["current"] is None and routing["history"] == [] and routing["unit_id"] is None
    assert session.get(Case, __import__("uuid").UUID(body["case_id"])).unit_id is None  # type: ignore[union-attr]
    r = client.post(f"/api/v1/exercises/{ex.id}/cases/{body['case_id']}/routing", headers=owner.headers)
    assert r.status_code == 409 and r.json()["type"].endswith("no-active-ruleset")
    assert (
        session.scalar(
            select(func.count()).select_from(Event).where(Event.type == "case.routed", Event.exercise_id == ex.id)
        )
        == 0
    )
