"""The synthetic address registry: the default blocks, lookups, and instructors' edits with their events."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import geo
from app.addresses.defaults import default_blocks
from app.addresses.models import AddressBlock
from app.auth.models import ExerciseRole, GlobalRole
from app.reports import identifiers
from tests.conftest import Actor, Factory


def _setup(factory: Factory) -> tuple[Any, Actor, Actor, Actor]:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    return ex, owner, factory.member(ex, ExerciseRole.analyst), factory.member(ex, ExerciseRole.reporter)


def test_default_blocks_stay_inside_the_reserved_ranges_and_cover_every_regency() -> None:
    blocks = default_blocks()
    networks = [ipaddress.ip_network(b.network.cidr) for b in blocks]
    assert len({str(n) for n in networks}) == len(networks)
    for net in networks:
        assert any(net.version == r.version and net.subnet_of(r) for r in identifiers.RESERVED_NETWORKS), net  # type: ignore[arg-type]
    ordered = sorted(networks, key=lambda n: (n.version, int(n.network_address)))
    for a, b in itertools.pairwise(ordered):
        assert a.version != b.version or not a.overlaps(b), (a, b)  # type: ignore[arg-type]
    regencies = {b.regency_code for b in blocks if b.district is None and b.regency_code}
    assert regencies == {r.code for r in geo.regencies()}
    assert {b.district for b in blocks if b.district} == {d.name for d in geo.districts()}
    assert {b.province for b in blocks if b.province} == {p.iso for p in geo.provinces()}


def test_a_new_exercise_gets_the_default_registry(factory: Factory, session: Session) -> None:
    ex, *_ = _setup(factory)
    stored = session.scalars(select(AddressBlock.network).where(AddressBlock.exercise_id == ex.id)).all()
    assert sorted(stored) == sorted(b.network.cidr for b in default_blocks())


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("198.18.0.1", ("ID", "ID-AC", "Kabupaten Aceh Selatan", None)),
        ("2001:db8:1::42", ("ID", "ID-AC", "Kabupaten Aceh Selatan", None)),
        ("192.0.2.77", ("ID", None, None, None)),
        ("198.51.100.200", ("MY", None, None, None)),
        ("203.0.113.5", (None, None, None, None)),
        ("::ffff:198.18.0.1", ("ID", "ID-AC", "Kabupaten Aceh Selatan", None)),
    ],
)
def test_lookup(client: TestClient, factory: Factory, ip: str, expected: tuple[Any, ...]) -> None:
    ex, _owner, analyst, _ = _setup(factory)
    r = client.get(f"/api/v1/exercises/{ex.id}/address-blocks/lookup", params={"ip": ip}, headers=analyst.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["country"], body["province"], body["city"], body["district"]) == expected


def test_every_district_block_resolves_to_its_kecamatan(client: TestClient, factory: Factory) -> None:
    ex, owner, *_ = _setup(factory)
    curug = next(b for b in default_blocks() if b.district == "Curug" and b.network.version == 4)
    host = str(next(ipaddress.ip_network(curug.network.cidr).hosts()))
    r = client.get(f"/api/v1/exercises/{ex.id}/address-blocks/lookup", params={"ip": host}, headers=owner.headers)
    assert (r.json()["city"], r.json()["district"]) == ("Kabupaten Tangerang", "Curug")


def test_lookup_refuses_what_is_not_an_address(client: TestClient, factory: Factory) -> None:
    ex, owner, *_ = _setup(factory)
    r = client.get(f"/api/v1/exercises/{ex.id}/address-blocks/lookup", params={"ip": "nope"}, headers=owner.headers)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_instructor_edits_with_events_and_the_most_specific_block_wins(client: TestClient, factory: Factory) -> None:
    ex, owner, analyst, _ = _setup(factory)
    base = f"/api/v1/exercises/{ex.id}/address-blocks"
    body = {
        "network": "198.18.0.0/28",
        "country": "ID",
        "province": "Jawa Barat",
        "city": "Kota Depok",
        "isp": "Kenari Wireless",
    }
    assert client.post(base, json=body, headers=analyst.headers).status_code == 403
    r = client.post(base, json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    block = r.json()
    assert (block["province"], block["regency_code"], block["city"]) == ("ID-JB", "3276", "Kota Depok")
    assert r.headers["location"].endswith(block["id"])
    hit = client.get(f"{base}/lookup", params={"ip": "198.18.0.9"}, headers=owner.headers).json()
    assert hit["city"] == "Kota Depok" and hit["network"] == "198.18.0.0/28"
    assert (
        client.get(f"{base}/lookup", params={"ip": "198.18.0.99"}, headers=owner.headers).json()["city"] != "Kota Depok"
    )

    r = client.patch(f"{base}/{block['id']}", json={"city": "Kota Bekasi"}, headers=owner.headers)
    assert r.status_code == 200 and r.json()["city"] == "Kota Bekasi" and r.json()["province"] == "ID-JB"
    r = client.patch(f"{base}/{block['id']}", json={"province": "ID-JK"}, headers=owner.headers)
    assert r.json()["province"] == "ID-JK" and r.json()["city"] is None
    assert client.delete(f"{base}/{block['id']}", headers=owner.headers).status_code == 204
    assert client.get(f"{base}/{block['id']}", headers=owner.headers).status_code == 404

    events = client.get(f"/api/v1/exercises/{ex.id}/events", headers=owner.headers).json()["items"]
    types = [e["type"] for e in events if e["subject_type"] == "address_block"]
    assert types == ["address_block.created", "address_block.updated", "address_block.updated", "address_block.deleted"]
    changes = next(e for e in events if e["type"] == "address_block.updated")["data"]["changes"]
    assert changes["city"] == {"old": "Kota Depok", "new": "Kota Bekasi"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"network": "8.8.8.0/24"}, "/network"),
        ({"network": "198.18.0.1/24"}, "/network"),
        ({"network": "not-a-net"}, "/network"),
        ({"province": "Atlantis"}, "/province"),
        ({"city": "Bekasi"}, "/city"),
        ({"city": "Kota Depok", "province": "ID-JK"}, "/city"),
        ({"district": "Curug"}, "/district"),
        ({"province": "ID-BT", "city": "Kabupaten Tangerang", "district": "Menteng"}, "/district"),
        ({"country": "SG", "province": "ID-JK"}, "/province"),
    ],
)
def test_invalid_blocks_are_refused_with_a_pointer(
    client: TestClient, factory: Factory, session: Session, body: dict[str, Any], pointer: str
) -> None:
    ex, owner, *_ = _setup(factory)
    payload = {"network": "198.18.255.0/28", "country": "ID", "province": "ID-JB", "isp": "Kenari Wireless"} | body
    before = session.scalars(select(AddressBlock.id).where(AddressBlock.exercise_id == ex.id)).all()
    r = client.post(f"/api/v1/exercises/{ex.id}/address-blocks", json=payload, headers=owner.headers)
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer]
    assert session.scalars(select(AddressBlock.id).where(AddressBlock.exercise_id == ex.id)).all() == before


def test_a_duplicate_network_is_a_conflict(client: TestClient, factory: Factory) -> None:
    ex, owner, *_ = _setup(factory)
    body = {"network": "198.18.0.0/25", "country": "ID", "isp": "Kenari Wireless"}
    r = client.post(f"/api/v1/exercises/{ex.id}/address-blocks", json=body, headers=owner.headers)
    assert r.status_code == 409 and r.json()["type"].endswith("duplicate-address-block")


def test_list_filters_and_visibility(client: TestClient, factory: Factory) -> None:
    ex, owner, analyst, reporter = _setup(factory)
    base = f"/api/v1/exercises/{ex.id}/address-blocks"
    r = client.get(base, params={"province": "DKI Jakarta", "limit": 100}, headers=analyst.headers)
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and {b["province"] for b in items} == {"ID-JK"}
    assert len(items) == 2 * sum(1 for g in geo.regencies() if g.province == "ID-JK")
    assert client.get(base, params={"province": "Atlantis"}, headers=owner.headers).status_code == 422
    assert client.get(base, headers=reporter.headers).status_code == 403
    stranger = factory.user()
    assert client.get(base, headers=stranger.headers).status_code == 404
