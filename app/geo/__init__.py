"""Indonesian administrative geography: the 38 provinces, 514 regencies and cities, and the kecamatan (districts)
that jurisdiction needs, with tolerant name matching.

The data files in ``data/`` are copies of the project's reference tables (their first lines name the sources).
Matching accepts the usual variants of a name: case and spacing, ``Kab.``/``Kab``/``Kabupaten``,
``Kota Administrasi``/``Kota Adm.``/none for Jakarta's cities, ``Provinsi``/``Prov.`` prefixes, the ISO 3166-2
code (``ID-JK``) or the Kemendagri code (``31``, ``3174``, ``31.74``). A bare name that fits two regencies (``Bekasi``
is both a kota and a kabupaten) matches neither: ambiguity is reported, not guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

COUNTRY = "ID"


@dataclass(frozen=True, slots=True)
class Province:
    iso: str  # ISO 3166-2:ID, e.g. ID-JK
    code: str  # Kemendagri, e.g. 31
    name: str
    capital: str
    population: int


@dataclass(frozen=True, slots=True)
class Regency:
    code: str  # Kemendagri kabupaten/kota code without the dot, e.g. 3174
    province: str  # ISO code of its province
    name: str  # e.g. "Kota Administrasi Jakarta Selatan"
    kind: str  # "kabupaten" or "kota"


@dataclass(frozen=True, slots=True)
class District:
    regency: str  # Kemendagri code of its regency
    name: str


def _rows(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("app.geo").joinpath("data", name).read_text(encoding="utf-8")
    yield from csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))


@cache
def provinces() -> tuple[Province, ...]:
    return tuple(
        Province(r["iso_code"], r["kemendagri_code"], r["name"], r["capital"], int(r["population"]))
        for r in _rows("provinces.csv")
    )


@cache
def regencies() -> tuple[Regency, ...]:
    return tuple(Regency(r["kemendagri_code"], r["province_iso"], r["name"], r["kind"]) for r in _rows("regencies.csv"))


@cache
def districts() -> tuple[District, ...]:
    return tuple(District(r["regency_code"], r["name"]) for r in _rows("districts.csv"))


_SPACES = re.compile(r"[\s_]+")
_PUNCT = re.compile(r"[^\w\s-]")


def normalize(name: str) -> str:
    """Lower case, punctuation dropped (except hyphens), spacing collapsed."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", name.casefold())).strip()


_REGENCY_PREFIXES = (
    ("kota administrasi ", "kota"),
    ("kota adm ", "kota"),
    ("kabupaten administrasi ", "kabupaten"),
    ("kab adm ", "kabupaten"),
    ("kabupaten ", "kabupaten"),
    ("kab ", "kabupaten"),
    ("kota ", "kota"),
    ("regency of ", "kabupaten"),
    ("city of ", "kota"),
)
_REGENCY_SUFFIXES = ((" regency", "kabupaten"), (" city", "kota"))


def _split_kind(text: str) -> tuple[str | None, str]:
    """('kota'|'kabupaten'|None, the bare name) of a normalised regency name."""
    for prefix, kind in _REGENCY_PREFIXES:
        if text.startswith(prefix):
            return kind, text[len(prefix) :].strip()
    for suffix, kind in _REGENCY_SUFFIXES:
        if text.endswith(suffix):
            return kind, text[: -len(suffix)].strip()
    return None, text


@cache
def _province_index() -> dict[str, Province]:
    index: dict[str, Province] = {}
    for p in provinces():
        for key in (p.iso.casefold(), p.code, normalize(p.name), normalize(p.iso.removeprefix("ID-"))):
            index[key] = p
    index["dki jakarta"] = index["daerah khusus ibukota jakarta"] = index[normalize("DKI Jakarta")]
    index["di yogyakarta"] = index["yogyakarta"] = index[normalize("DI Yogyakarta")]
    return index


def find_province(text: str) -> Province | None:
    """The province a name or code denotes, or None."""
    key = normalize(text)
    for prefix in ("provinsi ", "prov ", "province of "):
        key = key.removeprefix(prefix)
    return _province_index().get(key)


@cache
def _regency_index() -> dict[str, list[Regency]]:
    index: dict[str, list[Regency]] = {}
    for r in regencies():
        _, bare = _split_kind(normalize(r.name))
        for key in (r.code, f"{r.code[:2]} {r.code[2:]}", f"{r.kind}:{bare}", bare):
            index.setdefault(key, []).append(r)
    return index


def find_regencies(text: str, province: Province | None = None) -> list[Regency]:
    """Every regency or city the name (or code) can denote, optionally within one province: one element when it
    is unambiguous, several when it is not, none when it is unknown."""
    kind, bare = _split_kind(normalize(text))
    key = f"{kind}:{bare}" if kind else bare
    found = _regency_index().get(key, [])
    if not found and kind is None and bare.startswith("jakarta "):
        found = _regency_index().get(f"kota:{bare}", [])
    return [r for r in found if province is None or r.province == province.iso]


def find_regency(text: str, province: Province | None = None) -> Regency | None:
    """The one regency or city a name denotes, or None if it is unknown or ambiguous."""
    found = find_regencies(text, province)
    return found[0] if len(found) == 1 else None


def find_district(text: str, regency: Regency) -> District | None:
    key = normalize(text).removeprefix("kecamatan ").removeprefix("kec ")
    return next((d for d in districts() if d.regency == regency.code and normalize(d.name) == key), None)


def province(iso: str) -> Province:
    found = find_province(iso)
    if found is None:
        raise KeyError(iso)
    return found


def regency(code: str) -> Regency:
    found = _regency_index().get(code, [])
    if len(found) != 1:
        raise KeyError(code)
    return found[0]
