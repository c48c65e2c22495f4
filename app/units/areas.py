"""Jurisdiction areas of an exercise: naming a place exactly, and giving it to a unit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import geo
from app.auth.principal import ExerciseContext
from app.events import service as events_service
from app.units import errors
from app.units.models import AreaLevel, JurisdictionArea, Unit
from app.units.schemas import AreaAssign, AreaRead


@dataclass(frozen=True, slots=True)
class Place:
    province: geo.Province
    regency: geo.Regency | None
    district: geo.District | None

    @property
    def level(self) -> AreaLevel:
        return AreaLevel.district if self.district else AreaLevel.regency if self.regency else AreaLevel.province


def _unknown(parameter: str, detail: str, **extra: object) -> errors.UnknownPlace:
    return errors.UnknownPlace(detail, extra={"pointer": f"/{parameter}", **extra})


def exact_place(data: AreaAssign) -> Place:
    """The one place a request names, or 422: a name fitting two regencies is refused, not guessed."""
    if data.district is not None and data.city is None:
        raise _unknown("district", "A kecamatan needs its regency or city (city).")
    if data.province is None and data.city is None:
        raise _unknown("province", "Name a province, a regency or city, or both.")
    province = geo.find_province(data.province) if data.province else None
    if data.province and province is None:
        raise _unknown("province", f"No province named {data.province!r}.")
    regency = district = None
    if data.city is not None:
        found = geo.find_regencies(data.city, province)
        if len(found) != 1:
            names = [r.name for r in found]
            detail = f"{data.city!r} fits {', '.join(names)}; name one." if found else f"No regency {data.city!r}."
            raise _unknown("city", detail, candidates=names)
        regency = found[0]
        province = geo.province(regency.province)
    if data.district is not None and regency is not None:
        district = geo.find_district(data.district, regency)
        if district is None:
            raise _unknown("district", f"The geography lists no kecamatan {data.district!r} in {regency.name}.")
    assert province is not None
    return Place(province, regency, district)


def area_read(area: JurisdictionArea) -> AreaRead:
    regency = geo.regency(area.regency_code) if area.regency_code else None
    return AreaRead(
        id=area.id,
        unit_id=area.unit_id,
        level=area.level,
        province=area.province,
        province_name=geo.province(area.province).name,
        regency_code=area.regency_code or None,
        regency_name=regency.name if regency else None,
        district=area.district or None,
    )


def assign(session: Session, *, ctx: ExerciseContext, unit: Unit, data: AreaAssign) -> tuple[JurisdictionArea, bool]:
    """Give a place to an active unit: the area is created, or moved from the unit that held it. Returns the area
    and whether it was created."""
    if unit.retired:
        raise errors.UnitRetired(f"{unit.name} is retired; it takes no new areas.", extra={"unit_id": str(unit.id)})
    place = exact_place(data)
    key = (
        place.province.iso,
        place.regency.code if place.regency else "",
        place.district.name if place.district else "",
    )
    area = session.scalar(
        select(JurisdictionArea)
        .where(
            JurisdictionArea.exercise_id == ctx.exercise.id,
            JurisdictionArea.province == key[0],
            JurisdictionArea.regency_code == key[1],
            JurisdictionArea.district == key[2],
        )
        .with_for_update()
    )
    created = area is None
    old_unit = None if area is None else area.unit_id
    if area is None:
        area = JurisdictionArea(
            exercise_id=ctx.exercise.id,
            unit_id=unit.id,
            level=place.level,
            province=key[0],
            regency_code=key[1],
            district=key[2],
        )
        session.add(area)
    elif area.unit_id == unit.id:
        return area, False
    area.unit_id = unit.id
    session.flush()
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=ctx.now(),
        actor=ctx.actor,
        type="jurisdiction.area_assigned",
        subject_type="jurisdiction_area",
        subject_id=area.id,
        data={
            "level": area.level,
            "province": area.province,
            "regency_code": area.regency_code or None,
            "district": area.district or None,
            "old_unit_id": old_unit,
            "unit_id": unit.id,
        },
    )
    return area, created
