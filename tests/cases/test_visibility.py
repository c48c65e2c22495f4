"""The visibility matrix: roles x units x endpoints. A case outside what the caller sees is a 404 on every endpoint
(never a 403 or 412 that would reveal it), lists and bulk results hold exactly the visible cases, and nothing a
caller cannot see is changed."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole as R
from app.auth.models import GlobalRole
from app.cases.errors import CASE_NOT_FOUND
from app.cases.models import Case, CaseStatus
from app.units import service as units_service
from tests.cases.conftest import World
from tests.conftest import Factory

STALE = {"If-Match": '"999"'}  # every write below is refused after the visibility check: nothing changes


def test_visibility_matrix(client: TestClient, world: World) -> None:
    investigator_a = world.member(R.investigator, "POLDA-A")
    cases: dict[str, Case] = {
        "unrouted": world.case(CaseStatus.triaged),
        "nat": world.case(CaseStatus.triaged, unit="NAT"),
        "a": world.case(CaseStatus.triaged, unit="POLDA-A"),
        "a1": world.case(CaseStatus.triaged, unit="POLRES-A1"),
        "b": world.case(CaseStatus.triaged, unit="POLDA-B"),
        "own": world.case(CaseStatus.assigned, unit="POLDA-B", assignee_id=investigator_a.user.id),
    }
    everything = set(cases)
    callers = {
        "instructor": (world.owner, everything),
        "supervisor, no unit (national)": (world.member(R.supervisor), everything),
        "analyst at the top unit (national)": (world.member(R.analyst, "NAT"), everything),
        "supervisor at POLDA-A": (world.member(R.supervisor, "POLDA-A"), {"a", "a1"}),
        "analyst at POLRES-A1": (world.member(R.analyst, "POLRES-A1"), {"a1"}),
        "investigator at POLDA-A": (investigator_a, {"a", "a1", "own"}),
        "investigator at the top unit": (world.member(R.investigator, "NAT"), everything - {"unrouted"}),
        "investigator, no unit": (world.member(R.investigator), set()),
    }
    versions = {name: c.version for name, c in cases.items()}
    missing = uuid.uuid4()
    for label, (actor, visible) in callers.items():
        h = actor.headers
        listed = {c["id"] for c in client.get(f"{world.base}/cases?limit=50", headers=h).json()["items"]}
        assert listed == {str(cases[n].id) for n in visible}, label
        for name, case in cases.items():
            seen = name in visible
            calls = {
                "read": client.get(world.url(case), headers=h),
                "history": client.get(world.url(case, "/history"), headers=h),
                "transition": client.post(
                    world.url(case, "/transitions"), headers={**h, **STALE}, json={"to": "on_hold"}
                ),
                "assignment": client.post(
                    world.url(case, "/assignment"), headers={**h, **STALE}, json={"action": "claim"}
                ),
            }
            if "investigator" not in label:  # investigators may not triage or link (403 for any case)
                calls["patch"] = client.patch(world.url(case), headers={**h, **STALE}, json={"priority": "1"})
                calls["link"] = client.post(
                    world.url(case, "/links"), headers=h, json={"kind": "related", "other_id": str(uuid.uuid4())}
                )
            for endpoint, r in calls.items():
                where = (label, name, endpoint, r.status_code, r.text[:200])
                if seen and endpoint in ("read", "history"):
                    assert r.status_code == 200, where
                elif seen and endpoint != "link":
                    assert r.status_code == 412, where
                else:
                    assert r.status_code == 404 and r.json()["detail"] == CASE_NOT_FOUND, where
        bulk = client.post(
            f"{world.base}/cases/bulk",
            headers=h,
            json={
                "ids": [*(str(c.id) for c in cases.values()), str(missing)],  # the missing id fails the request
                "action": "tag",
                "params": {"add": ["x"]},
                "atomic": True,
            },
        ).json()
        statuses = {r["id"]: r["status"] for r in bulk["results"]}
        hidden = {str(cases[n].id) for n in everything - visible} | {str(missing)}
        assert {i for i, s in statuses.items() if s == 404} == hidden, label
        assert {s for i, s in statuses.items() if i not in hidden} <= {424, 403}, label
        assert bulk["applied"] == 0
    for name, case in cases.items():
        stored = world.session.get(Case, case.id)
        assert stored is not None and stored.version == versions[name] and stored.tags == [], name


def test_reporters_and_observers_have_no_case_endpoints(client: TestClient, world: World) -> None:
    case = world.case()
    for role in (R.reporter, R.observer):
        h = world.member(role).headers
        assert client.get(f"{world.base}/cases", headers=h).status_code == 403
        assert client.get(world.url(case), headers=h).status_code == 403
        assert client.post(world.url(case, "/transitions"), headers=h, json={"to": "triaged"}).status_code == 403


def test_national_units_of_the_polri_template_see_every_case(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    world = World(factory.session, factory, factory.exercise(owner), owner)  # the default template: id-polri
    world.units = {
        code: unit
        for code in ("dittipidsiber", "polda-metro-jaya", "polda-bali")
        if (unit := units_service.get_by_code(factory.session, exercise_id=world.exercise.id, code=code))
    }
    jakarta, bali, unrouted = world.case(unit="polda-metro-jaya"), world.case(unit="polda-bali"), world.case()
    for code, expected in (("dittipidsiber", {jakarta, bali, unrouted}), ("polda-metro-jaya", {jakarta})):
        analyst = world.member(R.analyst, code)
        items = client.get(f"{world.base}/cases", headers=analyst.headers).json()["items"]
        assert {c["id"] for c in items} == {str(c.id) for c in expected}, code
