"""GET .../jurisdiction: the unit covering a place and the area that decided it."""

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
    ex = factory.exercise(owner)
    return ex, factory.member(ex, ExerciseRole.analyst)


def _lookup(client: TestClient, world: tuple[Exercise, Actor], **params: str) -> Any:
    ex, analyst = world
    r = client.get(f"/api/v1/exercises/{ex.id}/jurisdiction", headers=analyst.headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("params", "polda", "unit", "level"),
    [
        ({"city": "Depok"}, "polda-metro-jaya", "polres-metro-depok", "regency"),
        ({"city": "Kota Bekasi"}, "polda-metro-jaya", "polres-metro-bekasi-kota", "regency"),
        ({"city": "Kabupaten Bekasi"}, "polda-metro-jaya", "polres-metro-bekasi", "regency"),
        ({"city": "Tangerang Selatan"}, "polda-metro-jaya", "polres-tangerang-selatan", "regency"),
        ({"city": "Kota Tangerang"}, "polda-metro-jaya", "polres-metro-tangerang-kota", "regency"),
        ({"city": "Kota Bandung"}, "polda-jawa-barat", "polrestabes-bandung", "regency"),
        ({"city": "Kabupaten Bandung"}, "polda-jawa-barat", "polda-jawa-barat", "regency"),
        ({"city": "Kota Serang"}, "polda-banten", "polda-banten", "regency"),
        ({"city": "Kab. Serang", "province": "Banten"}, "polda-banten", "polda-banten", "regency"),
        ({"city": "Kabupaten Tangerang", "district": "Balaraja"}, "polda-banten", "polresta-tangerang", "district"),
        (
            {"city": "Kab Tangerang", "district": "Kelapa Dua"},
            "polda-metro-jaya",
            "polres-tangerang-selatan",
            "district",
        ),
        (
            {"city": "3603", "district": "kecamatan teluknaga"},
            "polda-metro-jaya",
            "polres-metro-tangerang-kota",
            "district",
        ),
        ({"city": "Tangerang", "district": "Cikupa"}, "polda-banten", "polresta-tangerang", "district"),
        ({"city": "Merauke"}, "polda-papua", "polda-papua", "regency"),
        ({"province": "Papua Selatan"}, "polda-papua", "polda-papua", "province"),
        ({"city": "Jayawijaya", "province": "ID-PE"}, "polda-papua", "polda-papua", "regency"),
        ({"city": "Nabire"}, "polda-papua-tengah", "polda-papua-tengah", "regency"),
        ({"city": "Kota Sorong"}, "polda-papua-barat-daya", "polresta-sorong-kota", "regency"),
        ({"city": "Kabupaten Sorong"}, "polda-papua-barat-daya", "polda-papua-barat-daya", "regency"),
        ({"city": "Kota Administrasi Jakarta Selatan"}, "polda-metro-jaya", "polres-metro-jakarta-selatan", "regency"),
        ({"city": "jakarta selatan"}, "polda-metro-jaya", "polres-metro-jakarta-selatan", "regency"),
        ({"city": "KOTA ADM. JAKARTA SELATAN"}, "polda-metro-jaya", "polres-metro-jakarta-selatan", "regency"),
        ({"city": "3174"}, "polda-metro-jaya", "polres-metro-jakarta-selatan", "regency"),
        ({"province": "DKI Jakarta"}, "polda-metro-jaya", "polda-metro-jaya", "province"),
        ({"province": "Jawa Barat"}, "polda-jawa-barat", "polda-jawa-barat", "province"),
        ({"province": "id-bt"}, "polda-banten", "polda-banten", "province"),
        ({"city": "Kota Banjarmasin"}, "polda-kalimantan-selatan", "polresta-banjarmasin", "regency"),
    ],
)
def test_the_jurisdiction_table(
    client: TestClient, world: tuple[Exercise, Actor], params: dict[str, str], polda: str, unit: str, level: str
) -> None:
    body = _lookup(client, world, **params)
    assert body["decided"] is True and body["ambiguous"] is False and body["candidates"] == []
    assert (body["polda"]["code"], body["unit"]["code"], body["area"]["level"]) == (polda, unit, level)
    assert body["area"]["unit_id"] == body["unit"]["id"]


def test_the_deciding_area_and_the_place_are_named(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    body = _lookup(client, world, city="kab. tangerang", district="Kecamatan Kelapa Dua")
    assert body["place"] == {
        "province": "ID-BT",
        "province_name": "Banten",
        "regency_code": "3603",
        "regency_name": "Kabupaten Tangerang",
        "district": "Kelapa Dua",
    }
    area = body["area"]
    assert (area["province"], area["regency_code"], area["regency_name"], area["district"]) == (
        "ID-BT",
        "3603",
        "Kabupaten Tangerang",
        "Kelapa Dua",
    )
    body = _lookup(client, world, province="Banten")
    assert body["area"]["regency_code"] is None and body["area"]["district"] is None
    assert body["place"]["regency_code"] is None


def test_kabupaten_tangerang_without_its_kecamatan_is_ambiguous(
    client: TestClient, world: tuple[Exercise, Actor]
) -> None:
    for params, reason in (
        ({"city": "Kabupaten Tangerang"}, "district_needed"),
        ({"city": "Kabupaten Tangerang", "province": "Banten"}, "district_needed"),
        ({"city": "Kabupaten Tangerang", "district": "Nowhere"}, "district_unmatched"),
    ):
        body = _lookup(client, world, **params)
        assert body["decided"] is False and body["ambiguous"] is True and body["reason"] == reason
        assert body["unit"] is None and body["area"] is None and body["polda"] is None
        by_unit = {c["unit"]["code"]: c for c in body["candidates"]}
        assert set(by_unit) == {"polresta-tangerang", "polres-tangerang-selatan", "polres-metro-tangerang-kota"}
        assert {c["polda"]["code"] for c in body["candidates"]} == {"polda-banten", "polda-metro-jaya"}
        assert sorted(a["district"] for a in by_unit["polres-tangerang-selatan"]["areas"]) == [
            "Curug",
            "Kelapa Dua",
            "Legok",
            "Pagedangan",
        ]
        assert len(by_unit["polresta-tangerang"]["areas"]) == 17


def test_a_name_fitting_several_regencies_is_ambiguous_with_their_shared_polda(
    client: TestClient, world: tuple[Exercise, Actor]
) -> None:
    body = _lookup(client, world, city="Bekasi")
    assert body["ambiguous"] is True and body["reason"] == "ambiguous_name" and body["unit"] is None
    assert {c["unit"]["code"] for c in body["candidates"]} == {"polres-metro-bekasi-kota", "polres-metro-bekasi"}
    assert body["polda"]["code"] == "polda-metro-jaya" and body["place"]["province"] == "ID-JB"
    body = _lookup(client, world, city="Bandung")
    assert body["polda"]["code"] == "polda-jawa-barat" and len(body["candidates"]) == 2
    body = _lookup(client, world, city="Serang")
    assert body["ambiguous"] is True and body["polda"]["code"] == "polda-banten"
    body = _lookup(client, world, city="Tangerang")  # the kota (Metro Jaya) and the split kabupaten
    assert body["ambiguous"] is True and body["polda"] is None and body["place"]["regency_code"] is None


def test_an_unlisted_kecamatan_elsewhere_is_ignored(client: TestClient, world: tuple[Exercise, Actor]) -> None:
    body = _lookup(client, world, city="Kota Bandung", district="Coblong")
    assert body["decided"] is True and body["unit"]["code"] == "polrestabes-bandung"
    assert body["ignored"] == ["district"] and body["place"]["district"] is None
    assert _lookup(client, world, city="Kota Bandung")["ignored"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"city": "Atlantis"}, "city"),
        ({"province": "Atlantis"}, "province"),
        ({"province": "Atlantis", "city": "Kota Bandung"}, "province"),
        ({"province": "DKI Jakarta", "city": "Depok"}, "city"),  # Depok is in Jawa Barat, whoever polices it
        ({"district": "Balaraja"}, "district"),
        ({}, "province"),
        ({"city": "   "}, "province"),
    ],
)
def test_unknown_places_are_422_naming_the_parameter(
    client: TestClient, world: tuple[Exercise, Actor], params: dict[str, str], parameter: str
) -> None:
    ex, analyst = world
    r = client.get(f"/api/v1/exercises/{ex.id}/jurisdiction", headers=analyst.headers, params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:tipdesk:problem:unknown-place" and r.json()["parameter"] == parameter


def test_a_place_no_area_covers_is_404(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner, org_template="empty")
    r = client.get(f"/api/v1/exercises/{ex.id}/jurisdiction", headers=owner.headers, params={"city": "Depok"})
    assert r.status_code == 404 and r.json()["type"] == "urn:tipdesk:problem:no-jurisdiction"
    assert r.json()["place"]["regency_code"] == "3276"


def test_jurisdiction_is_for_staff_only(client: TestClient, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex, other = factory.exercise(owner), factory.exercise(owner)
    url = f"/api/v1/exercises/{ex.id}/jurisdiction?city=Depok"
    for role in (ExerciseRole.supervisor, ExerciseRole.investigator, ExerciseRole.instructor):
        assert client.get(url, headers=factory.member(ex, role).headers).status_code == 200
    for role in (ExerciseRole.reporter, ExerciseRole.observer):
        assert client.get(url, headers=factory.member(ex, role).headers).status_code == 403
    outsider = factory.member(other, ExerciseRole.analyst)
    assert client.get(url, headers=outsider.headers).status_code == 404
    assert client.get(url).status_code == 401
