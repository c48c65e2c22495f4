"""The units endpoints: reading the tree, and instructors adding, changing, moving, retiring and reinstating units."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole, GlobalRole
from app.exercises.models import Exercise
from tests.conftest import Actor, Factory


@pytest.fixture
def world(factory: Factory) -> tuple[Exercise, Actor]:
    owner = factory.user(GlobalRole.instructor)
    return factory.exercise(owner), owner


def _units(client: TestClient, ex: Exercise, actor: Actor, query: str = "") -> Any:
    r = client.get(f"/api/v1/exercises/{ex.id}/units{query}", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _by_code(client: TestClient, ex: Exercise, actor: Actor, code: str) -> Any:
    return next(u for u in _units(client, ex, actor, "?limit=500&include_retired=true")["items"] if u["code"] == code)


def _events(client: TestClient, ex: Exercise, actor: Actor, type: str) -> list[Any]:
    r = client.get(f"/api/v1/exercises/{ex.id}/events?type={type}", headers=actor.headers)
    return list(r.json()["items"])


def test_flat_view_pages_by_code(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    first = _units(client, ex, owner, "?limit=40&total=true")
    assert first["total"] == 100 and len(first["items"]) == 40 and first["next_cursor"]
    codes = [u["code"] for u in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = _units(client, ex, owner, f"?limit=40&cursor={cursor}")
        codes += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
    assert len(codes) == 100 and codes == sorted(codes)
    polda = _units(client, ex, owner, "?kind=polda&limit=100")["items"]
    assert len(polda) == 36 and {u["kind"] for u in polda} == {"polda"}
    metro = _by_code(client, ex, owner, "polda-metro-jaya")
    children = _units(client, ex, owner, f"?parent_id={metro['id']}&limit=100")["items"]
    assert "polres-metro-depok" in {u["code"] for u in children} and {u["parent_id"] for u in children} == {metro["id"]}
    r = client.get(f"/api/v1/exercises/{ex.id}/units?cursor=forged", headers=owner.headers)
    assert r.status_code == 400
    assert client.get(f"/api/v1/exercises/{ex.id}/units?kind=sheriff", headers=owner.headers).status_code == 422
    assert client.get(f"/api/v1/exercises/{ex.id}/units?view=graph", headers=owner.headers).status_code == 422


def test_tree_view_nests_every_unit_under_the_root(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    tree = _units(client, ex, owner, "?view=tree")
    assert tree["view"] == "tree" and [r["code"] for r in tree["items"]] == ["mabes-polri"]

    def walk(nodes: list[Any], depth: int = 0) -> list[tuple[str, int]]:
        return [x for n in nodes for x in [(n["code"], depth), *walk(n["children"], depth + 1)]]

    seen = dict(walk(tree["items"]))
    assert len(seen) == 100
    assert seen["bareskrim"] == 1 and seen["dittipidsiber"] == 2 and seen["polda-banten"] == 1
    assert seen["polres-metro-depok"] == 2 and seen["polda-metro-jaya.ditsiber"] == 2


def test_unit_detail_lists_its_areas_ancestors_and_children(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    tangsel = _by_code(client, ex, owner, "polres-tangerang-selatan")
    r = client.get(f"/api/v1/exercises/{ex.id}/units/{tangsel['id']}", headers=owner.headers)
    assert r.status_code == 200
    body = r.json()
    assert [a["code"] for a in body["ancestors"]] == ["mabes-polri", "polda-metro-jaya"]
    assert body["children"] == [] and body["hq"] == "Tangerang Selatan" and body["kind"] == "polres"
    places = [(a["level"], a["regency_name"], a["district"]) for a in body["areas"]]
    assert places == [
        ("district", "Kabupaten Tangerang", "Curug"),
        ("district", "Kabupaten Tangerang", "Kelapa Dua"),
        ("district", "Kabupaten Tangerang", "Legok"),
        ("district", "Kabupaten Tangerang", "Pagedangan"),
        ("regency", "Kota Tangerang Selatan", None),
    ]
    papua = _by_code(client, ex, owner, "polda-papua")
    areas = client.get(f"/api/v1/exercises/{ex.id}/units/{papua['id']}", headers=owner.headers).json()["areas"]
    assert {a["province"] for a in areas if a["level"] == "province"} == {"ID-PA", "ID-PS", "ID-PE"}


def test_instructor_adds_a_unit_with_an_event(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    metro = _by_code(client, ex, owner, "polda-metro-jaya")
    body = {"code": " Polsek-Kelapa-Dua ", "name": "Polsek Kelapa Dua", "kind": "polsek", "parent_id": metro["id"]}
    r = client.post(f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json=body)
    assert r.status_code == 201, r.text
    unit = r.json()
    assert r.headers["location"] == f"/api/v1/exercises/{ex.id}/units/{unit['id']}"
    assert (unit["code"], unit["kind"], unit["parent_id"], unit["hq"], unit["retired"]) == (
        "polsek-kelapa-dua",
        "polsek",
        metro["id"],
        None,
        False,
    )
    (event,) = _events(client, ex, owner, "unit.created")
    assert event["subject_id"] == unit["id"] and event["data"]["code"] == "polsek-kelapa-dua"
    assert event["data"]["parent_id"] == metro["id"] and event["data"]["name"] == "Polsek Kelapa Dua"
    r = client.post(
        f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json={**body, "code": "POLSEK-KELAPA-DUA"}
    )
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:unit-code-taken"
    root = {"code": "review-desk", "name": "National review desk", "kind": "other"}
    assert client.post(f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json=root).json()["parent_id"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"code": "x", "name": "X"},
        {"code": "has space", "name": "X", "kind": "polres"},
        {"code": "-lead", "name": "X", "kind": "polres"},
        {"code": "x" * 65, "name": "X", "kind": "polres"},
        {"code": "x", "name": "  ", "kind": "polres"},
        {"code": "x", "name": "X", "kind": "sheriff"},
        {"code": "x", "name": "X", "kind": "polres", "colour": "blue"},
    ],
)
def test_invalid_unit_bodies_are_422(client: TestClient, world: tuple[Exercise, Actor], body: dict[str, Any]) -> None:
    ex, owner = world
    r = client.post(f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json=body)
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:validation-error"


def test_parents_must_be_active_units_of_the_exercise(
    client: TestClient, factory: Factory, world: tuple[Exercise, Actor]
) -> None:
    ex, owner = world
    other = factory.exercise(owner)
    foreign = _by_code(client, other, owner, "polda-banten")
    body = {"code": "x", "name": "X", "kind": "polres", "parent_id": foreign["id"]}
    r = client.post(f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json=body)
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:unknown-unit"
    assert r.json()["pointer"] == "/parent_id"
    port = _by_code(client, ex, owner, "polres-pelabuhan-tanjung-priok")  # no children, no areas
    url = f"/api/v1/exercises/{ex.id}/units/{port['id']}"
    assert client.patch(url, headers=owner.headers, json={"retired": True}).status_code == 200
    r = client.post(f"/api/v1/exercises/{ex.id}/units", headers=owner.headers, json={**body, "parent_id": port["id"]})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:unit-retired"


def test_rename_and_move_are_one_event_with_old_and_new(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    port, banten = (
        _by_code(client, ex, owner, "polres-pelabuhan-tanjung-priok"),
        _by_code(client, ex, owner, "polda-banten"),
    )
    url = f"/api/v1/exercises/{ex.id}/units/{port['id']}"
    r = client.patch(
        url, headers=owner.headers, json={"name": "Polres Pelabuhan", "hq": None, "parent_id": banten["id"]}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["hq"], r.json()["code"]) == ("Polres Pelabuhan", None, port["code"])
    assert [a["code"] for a in r.json()["ancestors"]] == ["mabes-polri", "polda-banten"]
    (event,) = _events(client, ex, owner, "unit.updated")
    assert event["data"]["changes"] == {
        "name": {"old": "Polres Pelabuhan Tanjung Priok", "new": "Polres Pelabuhan"},
        "hq": {"old": "Jakarta Utara", "new": None},
        "parent_id": {"old": port["parent_id"], "new": banten["id"]},
    }
    assert client.patch(url, headers=owner.headers, json={"name": "Polres Pelabuhan"}).status_code == 200
    assert len(_events(client, ex, owner, "unit.updated")) == 1  # no change, no event
    r = client.patch(url, headers=owner.headers, json={"code": "renamed"})
    assert r.status_code == 422  # the code is stable


def test_a_unit_cannot_move_under_itself_or_its_descendants(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    metro, depok = _by_code(client, ex, owner, "polda-metro-jaya"), _by_code(client, ex, owner, "polres-metro-depok")
    url = f"/api/v1/exercises/{ex.id}/units/{metro['id']}"
    for target in (metro, depok):
        r = client.patch(url, headers=owner.headers, json={"parent_id": target["id"]})
        assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:invalid-parent"
    assert client.patch(url, headers=owner.headers, json={"parent_id": None}).json()["parent_id"] is None


def test_retiring_a_unit_in_use_needs_a_successor(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    depok, metro = _by_code(client, ex, owner, "polres-metro-depok"), _by_code(client, ex, owner, "polda-metro-jaya")
    url = f"/api/v1/exercises/{ex.id}/units/{depok['id']}"
    r = client.patch(url, headers=owner.headers, json={"retired": True})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:unit-in-use"
    assert (r.json()["active_children"], r.json()["areas"]) == (0, 1)
    assert client.get(url, headers=owner.headers).json()["retired"] is False
    r = client.patch(url, headers=owner.headers, json={"successor_id": metro["id"]})
    assert r.status_code == 422  # a successor only with retired: true
    r = client.patch(url, headers=owner.headers, json={"retired": True, "successor_id": metro["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["retired"] is True and r.json()["retired_at"] and r.json()["areas"] == []
    (event,) = _events(client, ex, owner, "unit.retired")
    assert event["data"]["successor_id"] == metro["id"] and len(event["data"]["moved_areas"]) == 1
    found = client.get(f"/api/v1/exercises/{ex.id}/jurisdiction?city=Depok", headers=owner.headers).json()
    assert found["unit"]["code"] == "polda-metro-jaya" and found["area"]["regency_name"] == "Kota Depok"
    assert depok["code"] not in {u["code"] for u in _units(client, ex, owner, "?limit=500")["items"]}
    assert _by_code(client, ex, owner, depok["code"])["retired"] is True  # kept for history
    tree = _units(client, ex, owner, "?view=tree&include_retired=true")
    assert depok["code"] in str(tree)
    assert client.get(url, headers=owner.headers).status_code == 200


def test_retiring_a_polda_moves_its_children_and_areas_to_the_successor(
    client: TestClient, world: tuple[Exercise, Actor]
) -> None:
    ex, owner = world
    papua, tengah = _by_code(client, ex, owner, "polda-papua"), _by_code(client, ex, owner, "polda-papua-tengah")
    jayapura = _by_code(client, ex, owner, "polresta-jayapura-kota")
    url = f"/api/v1/exercises/{ex.id}/units/{papua['id']}"
    r = client.patch(url, headers=owner.headers, json={"retired": True, "successor_id": jayapura["id"]})
    assert r.status_code == 422 and r.json()["type"] == "urn:tipdesk:problem:invalid-parent"
    r = client.patch(url, headers=owner.headers, json={"retired": True, "successor_id": papua["id"]})
    assert r.status_code == 422
    r = client.patch(url, headers=owner.headers, json={"retired": True, "successor_id": tengah["id"]})
    assert r.status_code == 200 and r.json()["children"] == [] and r.json()["areas"] == []
    moved = client.get(f"/api/v1/exercises/{ex.id}/units/{jayapura['id']}", headers=owner.headers).json()
    assert moved["parent_id"] == tengah["id"]
    found = client.get(f"/api/v1/exercises/{ex.id}/jurisdiction?city=Merauke", headers=owner.headers).json()
    assert found["polda"]["code"] == "polda-papua-tengah"
    # reinstating under an active parent; a retired successor is refused
    assert client.patch(url, headers=owner.headers, json={"retired": False}).json()["retired"] is False
    assert [e["type"] for e in _events(client, ex, owner, "unit.reinstated")] == ["unit.reinstated"]
    port = _by_code(client, ex, owner, "polres-pelabuhan-tanjung-priok")
    client.patch(f"/api/v1/exercises/{ex.id}/units/{port['id']}", headers=owner.headers, json={"retired": True})
    r = client.patch(
        f"/api/v1/exercises/{ex.id}/units/{tengah['id']}",
        headers=owner.headers,
        json={"retired": True, "successor_id": port["id"]},
    )
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:unit-retired"


def test_reinstating_needs_an_active_parent(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    base = f"/api/v1/exercises/{ex.id}/units"
    parent = client.post(base, headers=owner.headers, json={"code": "p", "name": "P", "kind": "other"}).json()
    child = client.post(
        base, headers=owner.headers, json={"code": "c", "name": "C", "kind": "other", "parent_id": parent["id"]}
    ).json()
    assert client.patch(f"{base}/{child['id']}", headers=owner.headers, json={"retired": True}).status_code == 200
    assert client.patch(f"{base}/{parent['id']}", headers=owner.headers, json={"retired": True}).status_code == 200
    r = client.patch(f"{base}/{child['id']}", headers=owner.headers, json={"retired": False})
    assert r.status_code == 409 and r.json()["type"] == "urn:tipdesk:problem:unit-retired"
    r = client.patch(f"{base}/{child['id']}", headers=owner.headers, json={"retired": False, "parent_id": None})
    assert r.status_code == 200 and r.json()["retired"] is False and r.json()["parent_id"] is None


def test_areas_are_given_to_units_with_an_event(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    ex, owner = world
    base = f"/api/v1/exercises/{ex.id}"
    new = client.post(
        f"{base}/units", headers=owner.headers, json={"code": "polresta-malang", "name": "M", "kind": "polresta"}
    ).json()
    url = f"{base}/units/{new['id']}/areas"
    r = client.post(url, headers=owner.headers, json={"city": "Kabupaten Malang"})
    assert r.status_code == 200 and r.json()["regency_code"] == "3507" and r.json()["unit_id"] == new["id"]
    assert client.get(f"{base}/jurisdiction?city=Kabupaten Malang", headers=owner.headers).json()["unit"]["code"] == (
        "polresta-malang"
    )
    r = client.post(url, headers=owner.headers, json={"city": "Kabupaten Tangerang"})  # a regency-level area: new
    assert r.status_code == 201 and r.json()["level"] == "regency"
    found = client.get(f"{base}/jurisdiction?city=Kabupaten Tangerang", headers=owner.headers).json()
    assert found["decided"] is True and found["unit"]["code"] == "polresta-malang"
    (moved, created) = _events(client, ex, owner, "jurisdiction.area_assigned")
    assert moved["data"]["old_unit_id"] is not None and created["data"]["old_unit_id"] is None
    assert client.post(url, headers=owner.headers, json={"city": "Kabupaten Malang"}).status_code == 200
    assert len(_events(client, ex, owner, "jurisdiction.area_assigned")) == 2
    for body, pointer in (
        ({"city": "Bekasi"}, "/city"),
        ({"city": "Atlantis"}, "/city"),
        ({"province": "Atlantis"}, "/province"),
        ({"district": "Curug"}, "/district"),
        ({"city": "Kota Bandung", "district": "Coblong"}, "/district"),
        ({}, "/province"),
    ):
        r = client.post(url, headers=owner.headers, json=body)
        assert r.status_code == 422 and r.json()["pointer"] == pointer, body
    retired = _by_code(client, ex, owner, "polres-pelabuhan-tanjung-priok")
    client.patch(f"{base}/units/{retired['id']}", headers=owner.headers, json={"retired": True})
    r = client.post(f"{base}/units/{retired['id']}/areas", headers=owner.headers, json={"province": "Bali"})
    assert r.status_code == 409


def test_instructors_write_staff_read_outsiders_see_nothing(
    client: TestClient, factory: Factory, world: tuple[Exercise, Actor]
) -> None:
    ex, owner = world
    other = factory.exercise(owner)
    unit = _by_code(client, ex, owner, "polda-bali")
    base = f"/api/v1/exercises/{ex.id}/units"
    body = {"code": "x", "name": "X", "kind": "other"}
    for role in (ExerciseRole.supervisor, ExerciseRole.analyst, ExerciseRole.investigator):
        reader = factory.member(ex, role)
        assert client.get(base, headers=reader.headers).status_code == 200
        assert client.get(f"{base}/{unit['id']}", headers=reader.headers).status_code == 200
        assert client.post(base, headers=reader.headers, json=body).status_code == 403
        assert client.patch(f"{base}/{unit['id']}", headers=reader.headers, json={"name": "Y"}).status_code == 403
        r = client.post(f"{base}/{unit['id']}/areas", headers=reader.headers, json={"province": "Bali"})
        assert r.status_code == 403
    for role in (ExerciseRole.reporter, ExerciseRole.observer):
        assert client.get(base, headers=factory.member(ex, role).headers).status_code == 403
    outsider = factory.member(other, ExerciseRole.instructor)
    for r in (
        client.get(base, headers=outsider.headers),
        client.get(f"{base}/{unit['id']}", headers=outsider.headers),
        client.post(base, headers=outsider.headers, json=body),
        client.patch(f"{base}/{unit['id']}", headers=outsider.headers, json={"name": "Y"}),
    ):
        assert r.status_code == 404
    # a unit id of another exercise is not found through this one
    foreign = _by_code(client, other, owner, "polda-bali")
    for r in (
        client.get(f"{base}/{foreign['id']}", headers=owner.headers),
        client.patch(f"{base}/{foreign['id']}", headers=owner.headers, json={"name": "Y"}),
        client.post(f"{base}/{foreign['id']}/areas", headers=owner.headers, json={"province": "Bali"}),
    ):
        assert r.status_code == 404 and r.json()["detail"] == "No unit with that id in this exercise."
    assert client.get(f"{base}/not-a-uuid", headers=owner.headers).status_code == 422
