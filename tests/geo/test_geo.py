"""The packaged geography matches the reference tables, and name matching tolerates variants but not ambiguity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app import geo

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"


def _reference(name: str) -> list[dict[str, str]]:
    lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def test_packaged_tables_equal_the_reference() -> None:
    assert [(p.iso, p.name) for p in geo.provinces()] == [
        (r["iso_code"], r["name"]) for r in _reference("id-provinces.csv")
    ]
    assert [(r.code, r.province, r.name) for r in geo.regencies()] == [
        (r["kemendagri_code"], r["province_iso"], r["name"]) for r in _reference("id-regencies.csv")
    ]
    assert len(geo.provinces()) == 38
    assert len(geo.regencies()) == 514
    assert sum(r.kind == "kota" for r in geo.regencies()) == 98


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jakarta Selatan", "Kota Administrasi Jakarta Selatan"),
        ("KOTA ADM. JAKARTA SELATAN", "Kota Administrasi Jakarta Selatan"),
        ("kab. bekasi", "Kabupaten Bekasi"),
        ("Kab Bekasi", "Kabupaten Bekasi"),
        ("Kota  Bekasi", "Kota Bekasi"),
        ("3174", "Kota Administrasi Jakarta Selatan"),
        ("31.74", "Kota Administrasi Jakarta Selatan"),
        ("Bandung City", "Kota Bandung"),
    ],
)
def test_regency_variants(text: str, expected: str) -> None:
    found = geo.find_regency(text)
    assert found is not None and found.name == expected


@pytest.mark.parametrize("text", ["Bekasi", "Tangerang", "Nowhere", ""])
def test_ambiguous_or_unknown_regency_is_none(text: str) -> None:
    assert geo.find_regency(text) is None


def test_a_province_narrows_an_ambiguous_name_only_when_it_decides() -> None:
    assert [r.name for r in geo.find_regencies("Bekasi", geo.province("ID-JB"))] == ["Kabupaten Bekasi", "Kota Bekasi"]
    assert geo.find_regency("Jakarta Selatan", geo.province("ID-JB")) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("DKI Jakarta", "ID-JK"),
        ("id-jk", "ID-JK"),
        ("31", "ID-JK"),
        ("Provinsi Jawa Barat", "ID-JB"),
        ("Papua Tengah", "ID-PT"),
    ],
)
def test_province_variants(text: str, iso: str) -> None:
    found = geo.find_province(text)
    assert found is not None and found.iso == iso


def test_districts_only_where_jurisdiction_needs_them() -> None:
    tangerang = geo.regency("3603")
    assert {d.regency for d in geo.districts()} == {"3603"}
    found = geo.find_district("Kecamatan Curug", tangerang)
    assert found is not None and found.name == "Curug"
    assert geo.find_district("Curug", geo.regency("3671")) is None
