"""Which unit covers a place: the most specific jurisdiction area wins (district > regency > province).

``resolve`` takes a place as people and reports name it: a province (name or ISO/Kemendagri code), a regency or
city (name in its usual variants, or Kemendagri code) and a kecamatan, each optional. It never raises for a place;
the outcome says what happened:

- ``decided``: one unit covers the place; ``area`` is the area that decided it.
- ``ambiguous``: the place fits several units and nothing decides between them: a regency split at kecamatan level
  (Kabupaten Tangerang) given without a kecamatan, or with one it does not list (``reason`` ``district_needed`` or
  ``district_unmatched``), or a name that fits several regencies (``Bekasi``: the kota and the kabupaten;
  ``ambiguous_name``). ``candidates`` lists them; ``polda`` is the Polda they all belong to, if there is one. No
  unit is chosen: routing sends such a place to its fallback (or a person decides).
- ``unknown_place``: a name the geography does not know (``unknown`` names the parameter), or nothing to look up.
- ``uncovered``: a known place that no area of the exercise covers.

Areas of retired units are never considered.

``AreaIndex`` holds an exercise's active areas and units in memory: ``resolve(..., index=...)`` then asks no query,
for callers that resolve many places at once (routing a batch of reports, a dry run over every case).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import geo
from app.units.models import AreaLevel, JurisdictionArea, Unit, UnitKind

Reason = Literal["district_needed", "district_unmatched", "ambiguous_name"]


class Outcome(StrEnum):
    decided = "decided"
    ambiguous = "ambiguous"
    unknown_place = "unknown_place"
    uncovered = "uncovered"


@dataclass(frozen=True, slots=True)
class Option:
    unit: Unit
    area: JurisdictionArea


@dataclass(slots=True)
class Resolution:
    outcome: Outcome
    province: geo.Province | None = None
    regency: geo.Regency | None = None
    district: str | None = None  # as the geography spells it, when it knows it
    decision: Option | None = None
    candidates: list[Option] = field(default_factory=list)
    reason: Reason | None = None
    polda: Unit | None = None
    unknown: str | None = None  # the parameter naming an unknown place
    ignored: list[str] = field(default_factory=list)

    @property
    def unit(self) -> Unit | None:
        return self.decision.unit if self.decision else None

    @property
    def area(self) -> JurisdictionArea | None:
        return self.decision.area if self.decision else None


class AreaIndex:
    """An exercise's areas of active units, and its units, read once."""

    def __init__(self, exercise_id: uuid.UUID, units: list[Unit], areas: list[JurisdictionArea]) -> None:
        self.exercise_id = exercise_id
        self.units = {u.id: u for u in units}
        self.by_code = {u.code: u for u in units}
        self._areas: dict[tuple[str, str], list[Option]] = {}
        for area in sorted(areas, key=lambda a: (a.regency_code, a.district)):
            unit = self.units.get(area.unit_id)
            if unit is not None and not unit.retired:
                self._areas.setdefault((area.province, area.regency_code), []).append(Option(unit, area))

    @classmethod
    def load(cls, session: Session, *, exercise_id: uuid.UUID) -> AreaIndex:
        units = list(session.scalars(select(Unit).where(Unit.exercise_id == exercise_id)))
        columns = list(JurisdictionArea.__table__.columns)
        # plain rows with the area's attributes: hundreds of them, read for one batch, never changed
        rows = session.execute(select(*columns).where(JurisdictionArea.exercise_id == exercise_id)).all()
        return cls(exercise_id, units, cast(list[JurisdictionArea], rows))

    def options(self, provinces: set[str], codes: list[str]) -> list[Option]:
        found = [o for p in provinces for c in codes for o in self._areas.get((p, c), ())]
        return sorted(found, key=lambda o: (o.area.regency_code, o.area.district))

    def polda_of(self, unit: Unit) -> Unit | None:
        current: Unit | None = unit
        for _ in range(64):
            if current is None or current.kind == UnitKind.polda:
                return current
            current = self.units.get(current.parent_id) if current.parent_id else None
        return None


def polda_of(session: Session, unit: Unit) -> Unit | None:
    """The Polda a unit belongs to (itself if it is one), or None for national units."""
    current: Unit | None = unit
    for _ in range(64):  # trees are shallow; the bound only guards against a corrupted cycle
        if current is None or current.kind == UnitKind.polda:
            return current
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return None


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _decide(
    regency: geo.Regency | None, province: str, district: geo.District | None, asked: bool, options: list[Option]
) -> tuple[list[Option], Reason | None]:
    """The deciding option of one place (a one-element list), or the candidates with the reason, or nothing.
    ``asked``: whether a kecamatan was given (``district`` is None when the geography does not know it)."""

    def at(level: AreaLevel, code: str = "", name: str = "") -> Option | None:
        return next(
            (
                o
                for o in options
                if o.area.level == level
                and o.area.regency_code == code
                and (not name or o.area.district == name)
                and o.area.province == province
            ),
            None,
        )

    if regency is not None:
        if district is not None and (found := at(AreaLevel.district, regency.code, district.name)):
            return [found], None
        if found := at(AreaLevel.regency, regency.code):
            return [found], None
        split = [o for o in options if o.area.level == AreaLevel.district and o.area.regency_code == regency.code]
        if split:
            return split, ("district_unmatched" if asked else "district_needed")
    found = at(AreaLevel.province)
    return ([found], None) if found else ([], None)


def resolve(
    session: Session | None,
    *,
    exercise_id: uuid.UUID,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
    index: AreaIndex | None = None,
) -> Resolution:
    province, city, district = _blank(province), _blank(city), _blank(district)
    if province is None and city is None:
        return Resolution(Outcome.unknown_place, unknown="district" if district else "province")
    prov = geo.find_province(province) if province else None
    if province and prov is None:
        return Resolution(Outcome.unknown_place, unknown="province")
    regencies: list[geo.Regency | None] = [None]
    if city is not None:
        found = geo.find_regencies(city, prov)
        if not found:
            return Resolution(Outcome.unknown_place, province=prov, unknown="city")
        if district and len(found) > 1:  # a kecamatan the geography knows singles out its regency
            found = [r for r in found if geo.find_district(district, r)] or found
        regencies = list(found)
    elif district is not None:
        return Resolution(Outcome.unknown_place, province=prov, unknown="district")
    provinces = {prov.iso} if prov else {r.province for r in regencies if r}
    codes = ["", *(r.code for r in regencies if r)]
    if index is None:
        assert session is not None, "resolve needs a session or an index"
        db = session
        options = _options(db, exercise_id, provinces, codes)
        polda: Callable[[Unit], Unit | None] = lambda unit: polda_of(db, unit)  # noqa: E731
    else:
        options, polda = index.options(provinces, codes), index.polda_of
    chosen: dict[uuid.UUID, Option] = {}
    reason: Reason | None = None
    matched: geo.District | None = None
    for regency in regencies:
        known = geo.find_district(district, regency) if district and regency else None
        matched = matched or known
        where = regency.province if regency else next(iter(provinces))
        picked, why = _decide(regency, where, known, district is not None, options)
        chosen.update((o.area.id, o) for o in picked)
        reason = reason or why
    single = regencies[0] if len(regencies) == 1 else None
    shared = {r.province for r in regencies if r}
    result = Resolution(
        Outcome.uncovered,
        province=prov or (geo.province(shared.pop()) if len(shared) == 1 else None),
        regency=single,
        district=matched.name if matched else None,
    )
    if district and matched is None and reason is None:
        result.ignored.append("district")
    if not chosen:
        return result
    if len(regencies) == 1 and reason is None:
        (decision,) = chosen.values()
        result.outcome, result.decision = Outcome.decided, decision
        result.polda = polda(decision.unit)
        return result
    result.outcome, result.candidates = Outcome.ambiguous, list(chosen.values())
    result.reason = "ambiguous_name" if len(regencies) > 1 else reason
    poldas = {p.id if p else None: p for p in (polda(o.unit) for o in result.candidates)}
    result.polda = next(iter(poldas.values())) if len(poldas) == 1 else None
    return result


def _options(session: Session, exercise_id: uuid.UUID, provinces: set[str], codes: list[str]) -> list[Option]:
    rows = session.execute(
        select(JurisdictionArea, Unit)
        .join(Unit, Unit.id == JurisdictionArea.unit_id)
        .where(
            JurisdictionArea.exercise_id == exercise_id,
            JurisdictionArea.province.in_(provinces),
            JurisdictionArea.regency_code.in_(codes),
            Unit.retired_at.is_(None),
        )
        .order_by(JurisdictionArea.regency_code, JurisdictionArea.district)
    ).all()
    return [Option(unit, area) for area, unit in rows]
