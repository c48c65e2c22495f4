"""Rulesets: the default one, drafts and their 422s, activation (one active, an event, a broken draft refused), rule
precedence (first routing action wins, tags accumulate), and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from tests.conftest import Factory
from tests.routing.support import CSAM, MOLESTATION, Desk, desk, report


@pytest.fixture
def d(client: TestClient, session: Session, factory: Factory) -> Desk:
    return desk(client, session, factory)


def _create(d: Desk, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    r = d.client.post(f"{d.base}/rulesets", headers=d.owner.headers, json=body)
    assert r.status_code == status, r.text
    return dict(r.json())


def _activate(d: Desk, ruleset_id: str, status: int = 200) -> dict[str, Any]:
    r = d.client.post(f"{d.base}/rulesets/{ruleset_id}/activate", headers=d.owner.headers)
    assert r.status_code == status, r.text
    return dict(r.json())


def test_a_new_exercise_has_the_default_ruleset_active(d: Desk) -> None:
    listed = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"]
    assert [(r["version"], r["status"]) for r in listed] == [(1, "active")]
    full = d.client.get(f"{d.base}/rulesets/{listed[0]['id']}", headers=d.owner.headers).json()
    assert [r["name"] for r in full["rules"]] == [
        "urgent-to-polda",
        "hands-on-abuse-to-polda",
        "sextortion-flag",
        "unresolved-to-national-intake",
        "informational-to-review",
        "by-jurisdiction",
    ]


PRECEDENCE = [
    {
        "name": "tag-bandung",
        "condition": {"field": "location_city", "op": "eq", "value": "Kota Bandung"},
        "actions": [{"type": "add_tag", "tag": "bandung"}],
    },
    {
        "name": "molestation-to-ppa",
        "condition": {"field": "incident_type", "op": "eq", "value": MOLESTATION},
        "actions": [{"type": "route_to_unit", "unit": "dittipid-ppa-ppo"}, {"type": "add_tag", "tag": "hands-on"}],
    },
    {
        "name": "west-java-to-polda",
        "condition": {"field": "location_province", "op": "eq", "value": "ID-JB"},
        "actions": [
            {"type": "route_by_jurisdiction", "level": "polda", "fallback": "dittipidsiber"},
            {"type": "suggest_priority", "priority": "2"},
            {"type": "add_tag", "tag": "jabar"},
        ],
    },
    {
        "name": "rest",
        "actions": [{"type": "route_to_unit", "unit": "dittipidsiber"}, {"type": "add_tag", "tag": "rest"}],
    },
]


def test_the_first_routing_action_wins_and_tags_accumulate(d: Desk) -> None:
    draft = _create(d, {"name": "Precedence", "rules": PRECEDENCE})
    assert draft["status"] == "draft" and draft["version"] == 2
    _activate(d, draft["id"])
    molestation = d.current(report(incident=MOLESTATION, city="Kota Bandung"))
    assert (molestation["unit_code"], molestation["rule_name"]) == ("dittipid-ppa-ppo", "molestation-to-ppa")
    assert molestation["tags"] == ["bandung", "hands-on", "jabar", "rest"]  # in rule order, every matching rule
    assert molestation["suggested_priority"] == "2"  # from a rule whose routing came too late
    csam = d.current(report(incident=CSAM, city="Kota Bandung"))
    assert (csam["unit_code"], csam["rule_name"], csam["via"]) == ("polda-jawa-barat", "west-java-to-polda", "polda")
    elsewhere = d.current(report(incident=CSAM, city="Kota Surabaya"))
    assert (elsewhere["unit_code"], elsewhere["tags"], elsewhere["suggested_priority"]) == (
        "dittipidsiber",
        ["rest"],
        None,
    )


def test_a_rule_whose_unit_was_retired_passes_the_routing_on(d: Desk) -> None:
    rules = [
        {"name": "to-review", "actions": [{"type": "route_to_unit", "unit": "dittipidsiber.review"}]},
        {"name": "fallback", "actions": [{"type": "route_to_unit", "unit": "dittipidsiber"}]},
    ]
    _activate(d, _create(d, {"rules": rules})["id"])
    unit = d.unit_id("dittipidsiber.review")
    r = d.client.patch(f"{d.base}/units/{unit}", headers=d.owner.headers, json={"retired": True})
    assert r.status_code == 200, r.text
    current = d.current(report(city="Kota Bandung"))
    assert (current["unit_code"], current["rule_name"]) == ("dittipidsiber", "fallback")
    first = current["explanation"]["rules"][0]
    assert first["matched"] is True and first["not_applied"][0]["why"] == "its unit is missing or retired"


def test_activation_makes_one_active_supersedes_the_previous_and_is_an_event(d: Desk) -> None:
    first = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"][0]
    draft = _create(d, {"based_on": 1, "name": "Copy"})
    assert draft["based_on"] == 1 and len(draft["rules"]) == 6
    _activate(d, draft["id"])
    listed = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"]
    assert [(r["version"], r["status"]) for r in listed] == [(1, "superseded"), (2, "active")]
    assert listed[0]["id"] == first["id"] and listed[0]["superseded_at"] is not None
    active = d.client.get(f"{d.base}/rulesets", headers=d.owner.headers, params={"status": "active"}).json()["items"]
    assert [r["version"] for r in active] == [2]
    events = d.client.get(f"{d.base}/events", headers=d.owner.headers).json()["items"]
    activated = [e for e in events if e["type"] == "ruleset.activated"]
    assert [e["data"]["version"] for e in activated] == [1, 2] and activated[1]["data"]["previous"] == 1
    # neither the active nor the superseded one can be changed, deleted or activated again
    for target in (first["id"], draft["id"]):
        assert (
            d.client.patch(f"{d.base}/rulesets/{target}", headers=d.owner.headers, json={"name": "x"}).status_code
            == 409
        )
        assert d.client.delete(f"{d.base}/rulesets/{target}", headers=d.owner.headers).status_code == 409
        r = d.client.post(f"{d.base}/rulesets/{target}/activate", headers=d.owner.headers)
        assert r.status_code == 409 and r.json()["type"].endswith("ruleset-not-draft")


def test_activating_a_draft_whose_unit_was_retired_is_a_422_and_changes_nothing(d: Desk) -> None:
    rules = [{"name": "to-review", "actions": [{"type": "route_to_unit", "unit": "dittipidsiber.review"}]}]
    draft = _create(d, {"rules": rules})
    unit = d.unit_id("dittipidsiber.review")
    assert d.client.patch(f"{d.base}/units/{unit}", headers=d.owner.headers, json={"retired": True}).status_code == 200
    r = d.client.post(f"{d.base}/rulesets/{draft['id']}/activate", headers=d.owner.headers)
    assert r.status_code == 422 and r.json()["type"].endswith("invalid-ruleset")
    assert r.json()["errors"] == [
        {"pointer": "/rules/0/actions/0/unit", "location": "body", "message": "unit 'dittipidsiber.review' is retired"}
    ]
    statuses = [r["status"] for r in d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"]]
    assert statuses == ["active", "draft"]


@pytest.mark.parametrize(
    ("rules", "pointers"),
    [
        (
            [
                {
                    "name": "a",
                    "condition": {"field": "colour", "op": "eq", "value": "red"},
                    "actions": [{"type": "add_tag", "tag": "x"}],
                }
            ],
            ["/rules/0/condition/field"],
        ),
        (
            [
                {"name": "ok", "actions": [{"type": "add_tag", "tag": "x"}]},
                {
                    "name": "b",
                    "condition": {
                        "all": [
                            {"field": "urgent", "op": "eq", "value": True},
                            {"field": "file_count", "op": "lt", "value": "many"},
                        ]
                    },
                    "actions": [{"type": "route_to_unit", "unit": "polda-atlantis"}],
                },
            ],
            ["/rules/1/condition/all/1/value", "/rules/1/actions/0/unit"],
        ),
        (
            [{"name": "c", "actions": [{"type": "route_by_jurisdiction", "fallback": "nowhere"}]}],
            ["/rules/0/actions/0/fallback"],
        ),
    ],
)
def test_a_bad_rule_is_a_422_pointing_at_it(d: Desk, rules: list[dict[str, Any]], pointers: list[str]) -> None:
    body = _create(d, {"rules": rules}, status=422)
    assert body["type"].endswith("invalid-ruleset")
    assert [e["pointer"] for e in body["errors"]] == pointers
    assert len(d.client.get(f"{d.base}/rulesets", headers=d.owner.headers).json()["items"]) == 1  # nothing stored


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"rules": [{"name": "a", "actions": [{"type": "teleport"}]}]}, "/rules/0/actions/0"),
        ({"rules": [{"name": "a", "actions": []}]}, "/rules/0/actions"),
        (
            {"rules": [{"name": "a", "actions": [{"type": "suggest_priority", "priority": "9"}]}]},
            "/rules/0/actions/0/suggest_priority/priority",
        ),
        (
            {"rules": [{"name": "a", "actions": [{"type": "add_tag", "tag": "no spaces"}]}]},
            "/rules/0/actions/0/add_tag/tag",
        ),
        ({"rules": [{"actions": [{"type": "add_tag", "tag": "x"}]}]}, "/rules/0/name"),
        ({"rules": [], "colour": "red"}, "/colour"),
    ],
)
def test_a_malformed_ruleset_is_a_validation_error(d: Desk, body: dict[str, Any], pointer: str) -> None:
    r = d.client.post(f"{d.base}/rulesets", headers=d.owner.headers, json=body)
    assert r.status_code == 422, r.text
    assert any(e["pointer"].startswith(pointer) for e in r.json()["errors"]), r.json()["errors"]


def test_based_on_a_missing_version_is_a_422(d: Desk) -> None:
    body = _create(d, {"based_on": 9}, status=422)
    assert body["errors"][0]["pointer"] == "/based_on"


def test_drafts_are_changed_and_deleted(d: Desk) -> None:
    draft = _create(d, {"name": "Draft", "rules": PRECEDENCE})
    url = f"{d.base}/rulesets/{draft['id']}"
    r = d.client.patch(url, headers=d.owner.headers, json={"rules": PRECEDENCE[:1], "description": "one rule"})
    assert r.status_code == 200 and len(r.json()["rules"]) == 1 and r.json()["description"] == "one rule"
    bad = {
        "rules": [
            {
                "name": "x",
                "condition": {"field": "urgent", "op": "gt", "value": 1},
                "actions": [{"type": "add_tag", "tag": "x"}],
            }
        ]
    }
    r = d.client.patch(url, headers=d.owner.headers, json=bad)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/rules/0/condition/op"
    assert len(d.client.get(url, headers=d.owner.headers).json()["rules"]) == 1  # unchanged
    assert d.client.delete(url, headers=d.owner.headers).status_code == 204
    assert d.client.get(url, headers=d.owner.headers).status_code == 404
    assert d.client.post(f"{url}/activate", headers=d.owner.headers).status_code == 404


def test_only_instructors_write_rulesets_and_staff_read_them(d: Desk) -> None:
    analyst = d.member(ExerciseRole.analyst, "polda-banten")
    supervisor = d.member(ExerciseRole.supervisor, "polda-banten")
    body = {"rules": PRECEDENCE}
    for actor in (analyst, supervisor, d.reporter):
        assert d.client.post(f"{d.base}/rulesets", headers=actor.headers, json=body).status_code == 403
    assert d.client.get(f"{d.base}/rulesets", headers=analyst.headers).status_code == 200
    assert d.client.get(f"{d.base}/rulesets", headers=d.reporter.headers).status_code == 403
    draft = _create(d, body)
    assert d.client.post(f"{d.base}/rulesets/{draft['id']}/activate", headers=supervisor.headers).status_code == 403
    other = d.factory.user()
    assert d.client.get(f"{d.base}/rulesets", headers=other.headers).status_code == 404
