"""Dry runs (counts by unit, the move matrix versus the active ruleset, the filter) and deconfliction (both ways,
same unit none, within one bulk batch, the list filter)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.cases.models import Case
from app.events.models import Event
from app.routing.models import Deconfliction
from tests.conftest import Factory
from tests.routing.support import MOLESTATION, Desk, desk, report


@pytest.fixture
def d(client: TestClient, session: Session, factory: Factory) -> Desk:
    return desk(client, session, factory)


def _simulate(d: Desk, ruleset_id: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    r = d.client.post(f"{d.base}/rulesets/{ruleset_id}/simulate", headers=d.owner.headers, json=body or {})
    assert r.status_code == status, r.text
    return dict(r.json())


def _seed_cases(d: Desk) -> list[dict[str, Any]]:
    docs = [
        report(city="Kota Bandung"),
        report(city="Kota Bandung"),
        report(incident=MOLESTATION, city="Kota Bandung"),
        report(city="Kota Depok"),
        report(),
        report(identifying=False, estimate={"city": "Kota Surabaya", "region": "Jawa Timur", "countryCode": "ID"}),
    ]
    return d.bulk(docs)


def test_simulating_the_active_ruleset_moves_nothing_and_agrees_with_intake(d: Desk) -> None:
    results = _seed_cases(d)
    active = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"][0]
    sim = _simulate(d, active["id"])
    assert sim["cases"] == 6 and sim["moved"] == 0 and sim["baseline"] == "active_ruleset"
    assert sum(m["count"] for m in sim["moves"]) == sim["cases"] == sum(u["count"] for u in sim["by_unit"])
    assert all(m["from_unit"] == m["to_unit"] for m in sim["moves"])
    # what the dry run (conditions in SQL) says is what intake (conditions in Python) did
    intake = {x["case_id"]: d.routing(x["case_id"])["current"]["unit_code"] for x in results}
    for move in sim["moves"]:
        for case_id in move["sample_case_ids"]:
            assert intake[case_id] == move["to_unit"]["code"]
    counts = {u["unit"]["code"]: u["count"] for u in sim["by_unit"]}
    assert counts == {
        "polrestabes-bandung": 2,
        "polda-jawa-barat": 1,
        "polres-metro-depok": 1,
        "dittipidsiber": 1,
        "dittipidsiber.review": 1,
    }


def test_a_draft_shows_its_moves_versus_the_active_ruleset(d: Desk) -> None:
    results = _seed_cases(d)
    rules = [
        {
            "name": "west-java-to-ppa",
            "condition": {"field": "location_province", "op": "eq", "value": "ID-JB"},
            "actions": [{"type": "route_to_unit", "unit": "dittipid-ppa-ppo"}],
        }
    ]
    draft = d.client.post(f"{d.base}/rulesets", headers=d.owner.headers, json={"rules": rules}).json()
    sim = _simulate(d, draft["id"])
    assert sim["ruleset_version"] == 2 and sim["baseline_version"] == 1
    assert sum(m["count"] for m in sim["moves"]) == sim["cases"] == 6
    moves = {
        (m["from_unit"]["code"] if m["from_unit"] else None, m["to_unit"]["code"] if m["to_unit"] else None): m
        for m in sim["moves"]
    }
    assert moves[("polrestabes-bandung", "dittipid-ppa-ppo")]["count"] == 2
    assert moves[("polda-jawa-barat", "dittipid-ppa-ppo")]["count"] == 1
    assert moves[("polres-metro-depok", "dittipid-ppa-ppo")]["count"] == 1
    assert moves[("dittipidsiber", None)]["count"] == 1  # no rule of the draft routes it
    assert sim["moved"] == 6
    bandung = {x["case_id"] for x in results[:2]}
    assert set(moves[("polrestabes-bandung", "dittipid-ppa-ppo")]["sample_case_ids"]) == bandung
    # nothing changed
    assert d.routing(results[0]["case_id"])["current"]["unit_code"] == "polrestabes-bandung"
    # only the cases a filter selects
    only = _simulate(d, draft["id"], {"filter": {"field": "incident_type", "op": "eq", "value": MOLESTATION}})
    assert only["cases"] == 1 and only["moves"][0]["from_unit"]["code"] == "polda-jawa-barat"
    bad = _simulate(d, draft["id"], {"filter": {"field": "nope", "op": "exists"}}, status=422)
    assert bad["type"].endswith("invalid-filter") and bad["errors"][0]["pointer"] == "/filter/field"


def test_simulate_unhappy_paths(d: Desk) -> None:
    assert (
        d.client.post(
            f"{d.base}/rulesets/00000000-0000-4000-8000-000000000000/simulate", headers=d.owner.headers
        ).status_code
        == 404
    )
    analyst = d.member(ExerciseRole.analyst, "dittipidsiber")
    active = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"][0]
    assert d.client.post(f"{d.base}/rulesets/{active['id']}/simulate", headers=analyst.headers).status_code == 403
    empty = _simulate(d, active["id"])
    assert (empty["cases"], empty["moves"], empty["by_unit"]) == (0, [], [])


def _links(d: Desk, case_id: str) -> list[dict[str, Any]]:
    r = d.client.get(f"{d.base}/cases/{case_id}/deconfliction", headers=d.owner.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_reports_sharing_an_esp_user_id_in_different_polda_are_linked_both_ways(d: Desk, session: Session) -> None:
    first = d.submit(report(incident=MOLESTATION, city="Kota Bandung", esp_user_id="acct-shared-01"))
    second = d.submit(report(incident=MOLESTATION, city="Kota Serang", esp_user_id="acct-shared-01"))
    assert d.routing(first["case_id"])["current"]["unit_code"] == "polda-jawa-barat"
    assert d.routing(second["case_id"])["current"]["unit_code"] == "polda-banten"
    one, two = _links(d, first["case_id"]), _links(d, second["case_id"])
    assert [x["other_case_id"] for x in one] == [second["case_id"]]
    assert [x["other_case_id"] for x in two] == [first["case_id"]]
    scope = d.reporter.user.display_name.casefold()  # an ESP user id is scoped to the reporting ESP
    assert one[0]["indicators"] == [{"kind": "esp_user_id", "scope": scope, "value": "acct-shared-01"}]
    assert one[0]["other_unit"]["code"] == "polda-banten" and two[0]["other_unit"]["code"] == "polda-jawa-barat"
    events = session.scalars(
        select(Event).where(Event.exercise_id == d.exercise.id, Event.type == "case.deconflicted")
    ).all()
    assert sorted(e.subject_id for e in events) == sorted([first["case_id"], second["case_id"]])
    assert all(e.data["indicators"][0]["value"] == "acct-shared-01" for e in events)
    # the case list filter
    listed = d.client.get(f"{d.base}/cases", headers=d.owner.headers, params={"deconflicted": "true"}).json()["items"]
    assert {c["id"] for c in listed} == {first["case_id"], second["case_id"]}
    third = d.submit(report(city="Kota Bandung"))
    others = d.client.get(f"{d.base}/cases", headers=d.owner.headers, params={"deconflicted": "false"}).json()["items"]
    assert [c["id"] for c in others] == [third["case_id"]]
    assert d.client.get(f"{d.base}/cases", headers=d.owner.headers, params={"deconflicted": "maybe"}).status_code == 422


def test_the_same_unit_is_not_deconflicted(d: Desk, session: Session) -> None:
    first = d.submit(report(incident=MOLESTATION, city="Kota Bandung", esp_user_id="acct-shared-02"))
    second = d.submit(report(incident=MOLESTATION, city="Kabupaten Bandung", esp_user_id="acct-shared-02"))
    assert d.routing(second["case_id"])["current"]["unit_code"] == "polda-jawa-barat"
    assert _links(d, first["case_id"]) == [] and _links(d, second["case_id"]) == []
    assert (
        session.scalar(
            select(func.count()).select_from(Deconfliction).where(Deconfliction.exercise_id == d.exercise.id)
        )
        == 0
    )


def test_deconfliction_within_one_bulk_batch(d: Desk, session: Session) -> None:
    results = d.bulk(
        [
            report(incident=MOLESTATION, city="Kota Bandung", esp_user_id="acct-shared-03"),
            report(incident=MOLESTATION, city="Kota Bandung", esp_user_id="acct-shared-03"),  # same Polda: no link
            report(incident=MOLESTATION, city="Kota Surabaya", esp_user_id="acct-shared-03"),
        ]
    )
    a, b, c = (x["case_id"] for x in results)
    assert {x["other_case_id"] for x in _links(d, c)} == {a, b}
    assert [x["other_case_id"] for x in _links(d, a)] == [c] and [x["other_case_id"] for x in _links(d, b)] == [c]
    assert (
        session.scalar(
            select(func.count()).select_from(Deconfliction).where(Deconfliction.exercise_id == d.exercise.id)
        )
        == 4
    )


def test_deconfliction_is_read_under_the_case_visibility(d: Desk) -> None:
    first = d.submit(report(incident=MOLESTATION, city="Kota Bandung", esp_user_id="acct-shared-04"))
    second = d.submit(report(incident=MOLESTATION, city="Kota Serang", esp_user_id="acct-shared-04"))
    banten = d.member(ExerciseRole.analyst, "polda-banten")
    r = d.client.get(f"{d.base}/cases/{second['case_id']}/deconfliction", headers=banten.headers)
    assert r.status_code == 200 and r.json()["items"][0]["other_unit"]["code"] == "polda-jawa-barat"
    assert d.client.get(f"{d.base}/cases/{first['case_id']}/deconfliction", headers=banten.headers).status_code == 404
    listed = d.client.get(f"{d.base}/cases", headers=banten.headers, params={"deconflicted": "true"}).json()["items"]
    assert [c["id"] for c in listed] == [second["case_id"]]
    assert d.session.get(Case, __import__("uuid").UUID(second["case_id"])) is not None
