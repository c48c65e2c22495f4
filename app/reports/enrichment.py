"""Section B: where a report points, as NCMEC would add it, from the exercise's synthetic address registry.

Every ``ipCaptureEvent`` in the report (and in its files' details) is geolocated. The best location comes from the
IP addresses of the most telling section that has any resolved address, in this order: the reported person or
user, the internet details, the files, then the other people in the report; within that section the place most
of its addresses point to wins (ties: the first in document order), at the finest level they agree on. Failing
that, the ESP's ``estimatedLocation`` of the reported person (then of the others) is used; failing that, the
report is unresolved. The evidence (JSON Pointers) is kept with the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel

from app import geo
from app.addresses.schemas import Geolocation
from app.reports.document import (
    EstimatedLocation,
    FileDetails,
    IpCaptureEvent,
    children_containing,
    json_pointer,
    may_contain,
)
from app.reports.document import Report as ReportDocument

Path = tuple[str | int, ...]
TIERS = ("personOrUserReported", "internetDetails", "files")  # then everything else
_pointer = lru_cache(maxsize=4096)(json_pointer)  # paths repeat from report to report


@dataclass(frozen=True, slots=True)
class Location:
    source: str  # ip | esp_estimate | unresolved
    country: str | None = None
    province: str | None = None
    regency_code: str | None = None
    city: str | None = None
    district: str | None = None
    evidence: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        province = geo.find_province(self.province) if self.province else None
        return {
            "source": self.source,
            "country": self.country,
            "province": self.province,
            "province_name": province.name if province else None,
            "regency_code": self.regency_code,
            "city": self.city,
            "district": self.district,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class SectionB:
    geolocations: list[dict[str, Any]]
    location: Location

    def as_json(self) -> dict[str, Any]:
        return {"ip_geolocation": self.geolocations, "location": self.location.as_json()}


def _find(node: BaseModel, kind: type[BaseModel], path: Path) -> list[tuple[Path, Any]]:
    """Every model of `kind` in the tree of `node` (itself included) with its path, in document order."""
    found: list[tuple[Path, Any]] = []
    if may_contain(type(node), kind):
        _collect(node, kind, path, found)
    return found


def _collect(node: BaseModel, kind: type[BaseModel], path: Path, found: list[tuple[Path, Any]]) -> None:
    if isinstance(node, kind):
        found.append((path, node))
    values = node.__dict__  # the fields' values
    for name in children_containing(type(node), kind):  # a model, a list of models or None, in definition order
        child = values[name]
        if not child:
            continue
        if child.__class__ is list:
            for index, item in enumerate(child):
                _collect(item, kind, (*path, name, index), found)
        else:
            _collect(child, kind, (*path, name), found)


def _tier(path: Path) -> int:
    return TIERS.index(str(path[0])) if path and path[0] in TIERS else len(TIERS)


def _place(g: Geolocation, depth: int) -> tuple[str | None, ...]:
    return (g.country, g.province, g.regency_code, g.district)[:depth]


def _from_ips(hits: Sequence[tuple[Path, Geolocation]]) -> Location | None:
    resolved = [(p, g) for p, g in hits if g.country is not None]
    if not resolved:
        return None
    best_tier = min(_tier(p) for p, _ in resolved)
    tier = [(p, g) for p, g in resolved if _tier(p) == best_tier]
    counts = Counter(_place(g, 2) for _, g in tier)
    top = max(counts.values())
    winner = next(_place(g, 2) for _, g in tier if counts[_place(g, 2)] == top)  # first in document order
    chosen = [(p, g) for p, g in tier if _place(g, 2) == winner]
    depth = 2
    while depth < 4 and len({_place(g, depth + 1) for _, g in chosen}) == 1 and _place(chosen[0][1], depth + 1)[-1]:
        depth += 1
    first = chosen[0][1]
    return Location(
        source="ip",
        country=first.country,
        province=first.province,
        regency_code=first.regency_code if depth >= 3 else None,
        city=first.city if depth >= 3 else None,
        district=first.district if depth >= 4 else None,
        evidence=tuple(_pointer(p) for p, _ in chosen),
    )


def _from_estimate(found: Sequence[Estimate]) -> Location | None:
    for path, country, region, city in sorted(found, key=lambda hit: _tier(hit.path)):
        province = geo.find_province(region) if region else None
        if country is None and province is None:
            continue
        if country is not None and country != geo.COUNTRY:
            return Location("esp_estimate", country=country, evidence=(json_pointer(path),))
        regency = geo.find_regency(city, province) if city else None
        if province is None and regency is not None:
            province = geo.province(regency.province)
        return Location(
            "esp_estimate",
            country=geo.COUNTRY,
            province=province.iso if province else None,
            regency_code=regency.code if regency else None,
            city=regency.name if regency else None,
            evidence=(json_pointer(path),),
        )
    return None


Locate = Callable[[set[str]], dict[str, Geolocation]]


class Capture(NamedTuple):
    """One ``ipCaptureEvent``: where it is (a path into the report, or ``("files", i, "details", ...)``), the address
    and the event's name and time in their JSON form."""

    path: Path
    ip: str
    event_name: str | None
    date_time: str | None


class Estimate(NamedTuple):
    """One ``estimatedLocation``: where it is and what it says."""

    path: Path
    country: str | None
    region: str | None
    city: str | None


def _capture(path: Path, event: IpCaptureEvent) -> Capture:
    data = event.model_dump(mode="json")
    return Capture(path, event.ipAddress, data.get("eventName"), data.get("dateTime"))


def capture_events(document: ReportDocument | None, files: Sequence[Any] = ()) -> list[Capture]:
    """Every ipCaptureEvent of the report and of its files' details (objects with a `details` FileDetails)."""
    if document is None:
        return []
    hits = [_capture(path, event) for path, event in _find(document, IpCaptureEvent, ())]
    for i, file in enumerate(files):
        details = getattr(file, "details", None)
        if isinstance(details, FileDetails):
            hits += [_capture(path, event) for path, event in _find(details, IpCaptureEvent, ("files", i, "details"))]
    return hits


def estimates_of(document: ReportDocument | None) -> list[Estimate]:
    """Every estimatedLocation of the report, in document order."""
    if document is None:
        return []
    return [Estimate(p, e.countryCode, e.region, e.city) for p, e in _find(document, EstimatedLocation, ())]


def enrich(captures: Sequence[Capture], *, locate: Locate, estimates: Callable[[], Sequence[Estimate]]) -> SectionB:
    """Section B from the report's capture events; ``estimates`` is asked only when no address resolves."""
    found = locate({c.ip for c in captures}) if captures else {}
    located = [(c.path, found[c.ip]) for c in captures]
    geolocations = [
        {
            "pointer": _pointer(c.path),
            "event_name": c.event_name,
            "date_time": c.date_time,
            **found[c.ip].model_dump(mode="json", exclude={"block_id"}),
        }
        for c in captures
    ]
    location = _from_ips(located) or _from_estimate(estimates()) or Location("unresolved")
    return SectionB(geolocations, location)
