"""Section B on intake: IP geolocation through the exercise's registry, the best location and its evidence, the
ESP's estimate as fallback, the province filter; and batched reports joining their bundle's case."""

from __future__ import annotations

import copy
import ipaddress
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.addresses.defaults import default_blocks
from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import ExerciseContext, Principal
from app.cases.models import Case
from app.events.models import Event
from app.reports import service
from app.reports.document import Report as ReportDocument
from app.reports.models import Report, ReportSource
from tests.conftest import Actor, Factory
from tests.reports.test_intake_api import MINIMAL


def ip_in(city: str, *, version: int = 4, district: str | None = None, nth: int = 1) -> str:
    block = next(
        b for b in default_blocks() if b.city == city and b.district == district and b.network.version == version
    )
    return str(
        list(ipaddress.ip_network(block.network.cidr).hosts())[nth]
        if version == 4
        else ipaddress.ip_network(block.network.cidr).network_address + nth
    )


def _doc(
    *, reported: list[str] = (), internet: list[str] = (), estimate: dict[str, Any] | None = None
) -> dict[str, Any]:
    doc = copy.deepcopy(MINIMAL)
    if reported or estimate:
        person: dict[str, Any] = {"screenName": "user.one", "ipCaptureEvent": [{"ipAddress": ip} for ip in reported]}
        if estimate is not None:
            person["estimatedLocation"] = estimate
        doc["personOrUserReported"] = [person]
    if internet:
        doc["internetDetails"] = [
            {"peer2peerIncident": {"client": "Berbagi P2P", "ipCaptureEvent": [{"ipAddress": ip} for ip in internet]}}
        ]
    return doc


def _setup(factory: Factory) -> tuple[Any, Actor, Actor]:
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    return ex, owner, factory.member(ex, ExerciseRole.reporter)


def _submit(client: TestClient, ex: Any, actor: Actor, doc: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/v1/exercises/{ex.id}/reports", headers=actor.headers, json=doc)
    assert r.status_code == 201, r.text
    return r.json()


def test_reported_persons_ips_decide_and_every_ip_is_geolocated(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    depok, depok6, medan = ip_in("Kota Depok"), ip_in("Kota Depok", version=6), ip_in("Kota Medan")
    body = _submit(client, ex, reporter, _doc(reported=[depok, medan, depok6], internet=[medan, medan]))
    assert (body["location_source"], body["location_province"], body["location_city"]) == ("ip", "ID-JB", "Kota Depok")
    b = body["section_b"]
    assert b["location"]["evidence"] == [
        "/personOrUserReported/0/ipCaptureEvent/0",
        "/personOrUserReported/0/ipCaptureEvent/2",
    ]
    assert b["location"]["province_name"] == "Jawa Barat"
    assert [(g["pointer"], g["city"]) for g in b["ip_geolocation"]] == [  # document (XSD) order
        ("/internetDetails/0/peer2peerIncident/ipCaptureEvent/0", "Kota Medan"),
        ("/internetDetails/0/peer2peerIncident/ipCaptureEvent/1", "Kota Medan"),
        ("/personOrUserReported/0/ipCaptureEvent/0", "Kota Depok"),
        ("/personOrUserReported/0/ipCaptureEvent/1", "Kota Medan"),
        ("/personOrUserReported/0/ipCaptureEvent/2", "Kota Depok"),
    ]
    assert all(g["isp"] for g in b["ip_geolocation"])


def test_internet_details_decide_when_the_reported_person_has_no_resolved_ip(
    client: TestClient, factory: Factory
) -> None:
    ex, _owner, reporter = _setup(factory)
    body = _submit(client, ex, reporter, _doc(reported=["203.0.113.9"], internet=[ip_in("Kota Surabaya")]))
    assert (body["location_source"], body["location_city"]) == ("ip", "Kota Surabaya")
    unresolved = [g for g in body["section_b"]["ip_geolocation"] if g["ip"] == "203.0.113.9"]
    assert [(g["pointer"], g["country"], g["network"]) for g in unresolved] == [
        ("/personOrUserReported/0/ipCaptureEvent/0", None, None)
    ]


def test_disagreeing_cities_keep_the_province_only(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    body = _submit(client, ex, reporter, _doc(reported=[ip_in("Kota Bandung"), ip_in("Kota Bekasi")]))
    assert (body["location_province"], body["location_city"]) == ("ID-JB", None)


def test_a_kecamatan_block_gives_the_district(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    body = _submit(client, ex, reporter, _doc(reported=[ip_in("Kabupaten Tangerang", district="Legok")]))
    assert (body["location_city"], body["location_district"]) == ("Kabupaten Tangerang", "Legok")


def test_the_esp_estimate_is_the_fallback_then_unresolved(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    estimate = {"city": "Kota Adm. Jakarta Barat", "region": "DKI Jakarta", "countryCode": "ID"}
    body = _submit(client, ex, reporter, _doc(reported=["203.0.113.9"], estimate=estimate))
    assert (body["location_source"], body["location_province"], body["location_city"]) == (
        "esp_estimate",
        "ID-JK",
        "Kota Administrasi Jakarta Barat",
    )
    assert body["section_b"]["location"]["evidence"] == ["/personOrUserReported/0/estimatedLocation"]
    body = _submit(client, ex, reporter, _doc(reported=["203.0.113.9"]))
    assert (body["location_source"], body["location_country"], body["location_province"]) == ("unresolved", None, None)


def test_an_address_abroad_locates_the_report_abroad(client: TestClient, factory: Factory) -> None:
    ex, _owner, reporter = _setup(factory)
    body = _submit(client, ex, reporter, _doc(reported=["198.51.100.3"]))
    assert (body["location_source"], body["location_country"], body["location_province"]) == ("ip", "SG", None)


def test_registry_edits_apply_to_later_intake_only(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    ip = ip_in("Kota Medan")
    first = _submit(client, ex, reporter, _doc(reported=[ip]))
    block = client.get(
        f"/api/v1/exercises/{ex.id}/address-blocks/lookup", params={"ip": ip}, headers=owner.headers
    ).json()
    r = client.patch(
        f"/api/v1/exercises/{ex.id}/address-blocks/{block['block_id']}",
        json={"province": "Bali", "city": "Kota Denpasar"},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    second = _submit(client, ex, reporter, _doc(reported=[ip]))
    assert second["location_city"] == "Kota Denpasar"
    again = client.get(f"/api/v1/exercises/{ex.id}/reports/{first['id']}", headers=owner.headers).json()
    assert again["location_city"] == "Kota Medan"


def test_the_province_filter(client: TestClient, factory: Factory) -> None:
    ex, owner, reporter = _setup(factory)
    bali = _submit(client, ex, reporter, _doc(reported=[ip_in("Kota Denpasar")]))
    _submit(client, ex, reporter, _doc(reported=[ip_in("Kota Medan")]))
    for value in ("ID-BA", "Bali", "bali"):
        r = client.get(f"/api/v1/exercises/{ex.id}/reports", params={"province": value}, headers=owner.headers)
        assert [i["id"] for i in r.json()["items"]] == [bali["id"]]
    r = client.get(f"/api/v1/exercises/{ex.id}/reports", params={"province": "Atlantis"}, headers=owner.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "province"


# --- bundles -----------------------------------------------------------------------------------------------------

MD5_A, MD5_B = "0" * 31 + "a", "0" * 31 + "b"


def _ctx(session: Session, ex: Any, actor: Actor) -> ExerciseContext:
    from app.auth import service as auth_service

    membership = auth_service.get_membership(session, exercise_id=ex.id, user_id=actor.user.id)
    return ExerciseContext(ex, Principal(actor.user, None), membership)


def _batched(session: Session, ctx: ExerciseContext, md5: str, *, batched: bool = True) -> Report:
    doc = copy.deepcopy(MINIMAL)
    if batched:
        doc["batchedReport"] = {"reason": "VIRAL_POTENTIAL_MEME"}
    files = [service.FileRecord(file_id=uuid.uuid4().hex, file_name="f.jpg", size=10, md5=md5)]
    intake = service.submit(
        session,
        ctx=ctx,
        document=ReportDocument.model_validate(doc),
        source=ReportSource.api,
        idempotency_key=None,
        files=files,
    )
    session.flush()
    return intake.report


@pytest.mark.parametrize("same_reporter", [True, False])
def test_batched_reports_sharing_a_file_join_one_case(factory: Factory, session: Session, same_reporter: bool) -> None:
    ex, _owner, reporter = _setup(factory)
    other = reporter if same_reporter else factory.member(ex, ExerciseRole.reporter)
    first = _batched(session, _ctx(session, ex, reporter), MD5_A)
    second = _batched(session, _ctx(session, ex, other), MD5_A)
    unrelated = _batched(session, _ctx(session, ex, reporter), MD5_B)
    plain = _batched(session, _ctx(session, ex, reporter), MD5_A, batched=False)
    assert (second.case_id == first.case_id) is same_reporter
    assert len({first.case_id, unrelated.case_id, plain.case_id}) == 3
    assert first.batched and not plain.batched and first.file_count == 1
    if same_reporter:
        case = session.get(Case, first.case_id)
        assert case is not None and case.version == 2
        joined = session.scalars(
            select(Event).where(Event.exercise_id == ex.id, Event.type == "case.report_added")
        ).all()
        assert [e.data["report_number"] for e in joined] == [second.number]


def test_a_closed_bundle_case_is_not_joined(factory: Factory, session: Session) -> None:
    ex, _owner, reporter = _setup(factory)
    ctx = _ctx(session, ex, reporter)
    first = _batched(session, ctx, MD5_A)
    case = session.get(Case, first.case_id)
    assert case is not None
    case.status = "closed"
    session.flush()
    assert _batched(session, ctx, MD5_A).case_id != first.case_id
