"""The id-polri template: reproducible from its generator, complete, and every place resolving as the reference says."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import geo
from app.auth.models import GlobalRole
from app.events.models import Event
from app.exercises.models import Exercise
from app.units import service as units_service
from app.units import templates
from app.units.jurisdiction import Outcome
from app.units.models import JurisdictionArea, Unit
from app.units.templates import build_id_polri
from tests.conftest import Factory

# regencies and cities Polda Metro Jaya covers outside DKI Jakarta
METRO_COVERS = {"Kota Depok", "Kota Bekasi", "Kabupaten Bekasi", "Kota Tangerang", "Kota Tangerang Selatan"}


@pytest.fixture(scope="module")
def template() -> templates.OrgTemplate:
    return templates.load_template("id-polri")


def test_the_committed_file_is_what_the_generator_builds() -> None:
    assert build_id_polri.main(["--check"]) == 0
    assert build_id_polri.TARGET.read_text(encoding="utf-8") == build_id_polri.render(build_id_polri.build())


def test_the_template_is_versioned_and_names_its_sources(template: templates.OrgTemplate) -> None:
    assert template.name == "id-polri" and template.version >= 1
    assert "indonesia-units.md" in template.source and "KEP/76/I/2016" in template.source
    assert templates.DEFAULT_TEMPLATE == "id-polri" and "empty" in templates.available_templates()


def test_units_national_level_and_all_36_polda(template: templates.OrgTemplate) -> None:
    units = {u.code: u for u in template.units}
    kinds = Counter(u.kind for u in template.units)
    assert kinds["polda"] == 36 and kinds["polrestabes"] == 6
    assert [u.code for u in template.units if u.parent is None] == ["mabes-polri"]
    assert units["bareskrim"].parent == "mabes-polri"
    assert units["dittipidsiber"].parent == units["dittipid-ppa-ppo"].parent == "bareskrim"
    assert {u.parent for u in template.units if u.kind == "polda"} == {"mabes-polri"}
    assert units["polda-kalimantan-selatan"].hq == "Banjarmasin" and units["polda-papua-tengah"].hq == "Nabire"
    assert units["polda-papua-barat-daya"].hq == "Sorong" and units["polda-kepulauan-riau"].hq == "Batam"
    polrestabes = {u.hq for u in template.units if u.kind == "polrestabes"}
    assert polrestabes == {"Medan", "Bandung", "Semarang", "Surabaya", "Makassar", "Palembang"}
    metro = {u.code for u in template.units if u.parent == "polda-metro-jaya"}
    assert {
        "polres-metro-jakarta-pusat",
        "polres-metro-jakarta-utara",
        "polres-metro-jakarta-barat",
        "polres-metro-jakarta-selatan",
        "polres-metro-jakarta-timur",
        "polres-kepulauan-seribu",
        "polres-metro-depok",
        "polres-metro-bekasi-kota",
        "polres-metro-bekasi",
        "polres-metro-tangerang-kota",
        "polres-tangerang-selatan",
        "polresta-bandara-soekarno-hatta",
    } <= metro
    assert units["polresta-tangerang"].parent == "polda-banten"


def test_areas_cover_every_province_regency_and_split_kecamatan(template: templates.OrgTemplate) -> None:
    levels = Counter("district" if a.district else "regency" if a.regency else "province" for a in template.areas)
    assert levels == {"province": 38, "regency": 513, "district": 24}
    assert {a.province for a in template.areas if not a.regency} == {p.iso for p in geo.provinces()}
    regency_areas = {a.regency for a in template.areas if a.regency and not a.district}
    assert regency_areas == {r.code for r in geo.regencies()} - {"3603"}  # Kabupaten Tangerang: kecamatan only
    assert {(a.regency, a.district) for a in template.areas if a.district} == {
        (d.regency, d.name) for d in geo.districts()
    }


def test_cloning_copies_units_and_areas_with_one_event(session: Session, factory: Factory) -> None:
    owner = factory.user(GlobalRole.instructor)
    ex, empty = factory.exercise(owner), factory.exercise(owner, org_template="empty")
    assert ex.org_template == "id-polri" and empty.org_template == "empty"

    def count(model: type[Unit | JurisdictionArea], exercise: Exercise) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.exercise_id == exercise.id)) or 0

    assert (count(Unit, ex), count(JurisdictionArea, ex)) == (100, 575)
    assert (count(Unit, empty), count(JurisdictionArea, empty)) == (0, 0)
    created = session.scalar(select(Event).where(Event.exercise_id == ex.id, Event.type == "exercise.created"))
    assert created is not None
    assert created.data["org_template"] == "id-polri" and (created.data["units"], created.data["areas"]) == (100, 575)
    depok = units_service.get_by_code(session, exercise_id=ex.id, code="polres-metro-depok")
    metro = units_service.get_by_code(session, exercise_id=ex.id, code="polda-metro-jaya")
    assert depok is not None and metro is not None and depok.parent_id == metro.id and depok.hq == "Depok"
    other = units_service.get_by_code(session, exercise_id=empty.id, code="polres-metro-depok")
    assert other is None


def test_every_place_resolves_to_exactly_one_unit(session: Session, factory: Factory) -> None:
    """Full coverage, through the same function routing uses: each province and each regency or city by its code
    resolves to one unit whose Polda is its province's, except Polda Metro Jaya's covers; Kabupaten Tangerang needs
    its kecamatan, and each of those resolves to one unit of the right Polda."""
    owner = factory.user(GlobalRole.instructor)
    ex = factory.exercise(owner)
    province_polda: dict[str, str] = {}
    for p in geo.provinces():
        found = units_service.resolve(session, exercise_id=ex.id, province=p.iso)
        assert found.outcome == Outcome.decided and found.area is not None and found.area.level == "province"
        assert found.polda is not None and found.unit is not None and found.polda.id == found.unit.id
        province_polda[p.iso] = found.polda.code
    assert len(set(province_polda.values())) == 36
    assert province_polda["ID-PS"] == province_polda["ID-PE"] == province_polda["ID-PA"] == "polda-papua"
    decided = 0
    for r in geo.regencies():
        found = units_service.resolve(session, exercise_id=ex.id, province=r.province, city=r.code)
        if r.name == "Kabupaten Tangerang":
            assert found.outcome == Outcome.ambiguous and found.reason == "district_needed"
            poldas = [units_service.polda_of(session, o.unit) for o in found.candidates]
            assert {p.code for p in poldas if p} == {"polda-banten", "polda-metro-jaya"} and None not in poldas
            continue
        assert found.outcome == Outcome.decided, r.name
        assert found.area is not None and found.area.level == "regency" and found.area.regency_code == r.code
        expected = "polda-metro-jaya" if r.name in METRO_COVERS else province_polda[r.province]
        assert found.polda is not None and found.polda.code == expected, r.name
        decided += 1
    assert decided == 513
    for d in geo.districts():
        found = units_service.resolve(session, exercise_id=ex.id, city=d.regency, district=d.name)
        assert found.outcome == Outcome.decided and found.area is not None and found.area.level == "district"
        assert found.polda is not None and found.polda.code in {"polda-banten", "polda-metro-jaya"}
