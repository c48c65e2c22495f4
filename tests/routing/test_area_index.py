"""Jurisdiction from the in-memory area index (what intake batches and dry runs use) agrees with the query-based
resolution, place by place, and the two routers decide alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import geo
from app.auth.models import GlobalRole
from app.routing import service as routing_service
from app.units import service as units_service
from app.units.jurisdiction import AreaIndex, resolve
from tests.conftest import Factory


def _key(r: units_service.Resolution) -> tuple[object, ...]:
    return (
        r.outcome,
        r.unit.code if r.unit else None,
        r.area.id if r.area else None,
        r.polda.code if r.polda else None,
        sorted(o.unit.code for o in r.candidates),
        r.reason,
    )


def test_the_index_resolves_every_regency_and_split_district_as_the_query_does(
    session: Session, factory: Factory
) -> None:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    index = AreaIndex.load(session, exercise_id=exercise.id)
    places: list[tuple[str | None, str | None, str | None]] = [(r.province, r.code, None) for r in geo.regencies()]
    places += [("ID-BT", "3603", d) for d in ("Balaraja", "Kelapa Dua", "Teluknaga", "Nowhere")]
    places += [(p.iso, None, None) for p in geo.provinces()] + [(None, None, None), ("ID-XX", None, None)]
    places += [(None, "Bekasi", None), ("ID-JK", "Jakarta Selatan", None)]
    for province, city, district in places:
        by_query = resolve(session, exercise_id=exercise.id, province=province, city=city, district=district)
        by_index = resolve(None, exercise_id=exercise.id, province=province, city=city, district=district, index=index)
        assert _key(by_index) == _key(by_query), (province, city, district)
    undecided = [
        r.code
        for r in geo.regencies()
        if resolve(None, exercise_id=exercise.id, province=r.province, city=r.code, index=index).polda is None
    ]
    assert undecided == ["3603"]  # Kabupaten Tangerang, split between two Polda, needs its kecamatan


def test_routers_with_and_without_the_index_decide_alike(session: Session, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    few = routing_service.router_for(session, exercise_id=exercise.id, cases=1)
    many = routing_service.router_for(session, exercise_id=exercise.id, cases=routing_service.INDEX_FROM)
    assert few is not None and many is not None
    for regency in geo.regencies()[::7]:
        for urgent in (False, True):
            report = {
                "incident_type": "Child Sexual Molestation" if urgent else "Misleading Domain Name",
                "annotations": [],
                "classification": "referral",
                "urgent": urgent,
                "esp_name": "Pelangi Chat (fictional)",
                "location_source": "ip",
                "location_country": "ID",
                "location_province": regency.province,
                "location_regency_code": regency.code,
                "location_city": regency.name,
                "location_district": None,
                "file_count": 0,
                "batched": False,
                "received_at": None,
                "number": 1,
                "document": {},
            }
            state = routing_service.new_case_state(urgent=urgent)
            a = few.route(routing_service.subject(report, state))
            b = many.route(routing_service.subject(report, state))
            assert (a.unit_code, a.via, a.tags, a.priority) == (b.unit_code, b.via, b.tags, b.priority)
            assert a.unit_code is not None
