"""HTTP: the units of an exercise and who covers a place."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.auth.dependencies import Instructor, Staff
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.units import areas as areas_service
from app.units import errors, service
from app.units.jurisdiction import Option, Outcome, Resolution
from app.units.models import Unit, UnitKind
from app.units.schemas import (
    AreaAssign,
    AreaRead,
    JurisdictionCandidate,
    JurisdictionRead,
    PlaceRead,
    UnitCreate,
    UnitDetail,
    UnitNode,
    UnitRead,
    UnitSummary,
    UnitTree,
    UnitUpdate,
)

router = APIRouter(prefix="/exercises/{exercise_id}", tags=["units"], responses=err(Unauthorized, NotFound, Forbidden))


def _tree(units: list[Unit]) -> UnitTree:
    nodes = {u.id: UnitNode.model_validate({**UnitRead.model_validate(u).model_dump(), "children": []}) for u in units}
    roots: list[UnitNode] = []
    for u in units:
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(nodes[u.id])
    return UnitTree(items=roots)


@router.get("/units", response_model=Page[UnitRead] | UnitTree, summary="List the units")
def list_units(
    session: SessionDep,
    ctx: Staff,
    page: PageDep,
    view: Annotated[Literal["flat", "tree"], Query(description="`flat`: a page by code; `tree`: all, nested.")] = (
        "flat"
    ),
    include_retired: Annotated[bool, Query(description="Also list retired units.")] = False,
    kind: Annotated[UnitKind | None, Query(description="Flat view: units of this kind.")] = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Flat view: the children of this unit.")] = None,
) -> Page[UnitRead] | UnitTree:
    """The flat view is paginated (`limit`, `cursor`, `total`) and ordered by code; the tree view returns every unit
    at once, roots first, each with its `children` (ordered by code), and ignores the paging and filter parameters."""
    if view == "tree":
        return _tree(service.all_units(session, exercise_id=ctx.exercise.id, include_retired=include_retired))
    rows, cursor, total = service.list_units(
        session,
        exercise_id=ctx.exercise.id,
        params=page,
        include_retired=include_retired,
        kind=kind,
        parent_id=parent_id,
    )
    return Page(items=[UnitRead.model_validate(u) for u in rows], next_cursor=cursor, total=total)


@router.post(
    "/units",
    status_code=status.HTTP_201_CREATED,
    response_model=UnitRead,
    summary="Add a unit",
    responses=err(errors.UnitCodeTaken, errors.UnknownUnit),
)
def add_unit(session: SessionDep, ctx: Instructor, data: UnitCreate, response: Response) -> UnitRead:
    """Instructors only. The code is the unit's stable identifier (409 if the exercise has it already); the parent
    must be an active unit of the exercise (422 unknown, 409 retired). Event `unit.created`."""
    unit = service.add_unit(session, ctx=ctx, data=data)
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/units/{unit.id}"
    return UnitRead.model_validate(unit)


def _detail(session: SessionDep, unit: Unit) -> UnitDetail:
    return UnitDetail.model_validate(
        {
            **UnitRead.model_validate(unit).model_dump(),
            "ancestors": [UnitSummary.model_validate(u) for u in service.ancestors(session, unit)],
            "children": [UnitSummary.model_validate(u) for u in service.children(session, unit)],
            "areas": [areas_service.area_read(a) for a in service.areas_of(session, unit)],
        }
    )


@router.get(
    "/units/{unit_id}",
    response_model=UnitDetail,
    summary="Read a unit with its areas",
    responses=err(errors.UnitNotFound),
)
def get_unit(session: SessionDep, ctx: Staff, unit_id: uuid.UUID) -> UnitDetail:
    """Retired units stay readable. `ancestors` runs from the root down to the parent; `areas` are the places the
    unit covers."""
    return _detail(session, service.get_unit(session, exercise_id=ctx.exercise.id, unit_id=unit_id))


@router.patch(
    "/units/{unit_id}",
    response_model=UnitDetail,
    summary="Rename, move, retire or reinstate a unit",
    responses=err(errors.UnitNotFound, errors.UnitInUse, errors.UnknownUnit, errors.InvalidParent),
)
def update_unit(session: SessionDep, ctx: Instructor, unit_id: uuid.UUID, data: UnitUpdate) -> UnitDetail:
    """Instructors only; the code never changes. `hq: null` clears the headquarters and `parent_id: null` makes the
    unit a root. `retired: true` retires it: kept for history, it receives no new routing, children or areas. A
    unit with active children or areas is retired only with a `successor_id` (an active unit outside its subtree)
    that takes them over; otherwise 409 `unit-in-use`. `retired: false` reinstates it under an active parent.
    Events: `unit.updated`, `unit.retired`, `unit.reinstated`."""
    unit = service.get_unit(session, exercise_id=ctx.exercise.id, unit_id=unit_id, lock=True)
    return _detail(session, service.update_unit(session, ctx=ctx, unit=unit, data=data))


@router.post(
    "/units/{unit_id}/areas",
    response_model=AreaRead,
    summary="Give a place to a unit",
    responses={
        201: {"description": "The area was created.", "model": AreaRead},
        **err(errors.UnknownPlace, errors.UnitRetired),
    },
)
def assign_area(
    session: SessionDep, ctx: Instructor, unit_id: uuid.UUID, data: AreaAssign, response: Response
) -> AreaRead:
    """Instructors only. The place's area (province; regency or city; kecamatan, as exactly as one place) moves to
    this unit, or is created for it (201). The unit must be active (409). Event `jurisdiction.area_assigned`."""
    unit = service.get_unit(session, exercise_id=ctx.exercise.id, unit_id=unit_id)
    area, created = areas_service.assign(session, ctx=ctx, unit=unit, data=data)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return areas_service.area_read(area)


def _candidates(session: SessionDep, options: list[Option]) -> list[JurisdictionCandidate]:
    grouped: dict[uuid.UUID, list[Option]] = {}
    for option in options:
        grouped.setdefault(option.unit.id, []).append(option)
    out = []
    for group in grouped.values():
        unit, polda = group[0].unit, service.polda_of(session, group[0].unit)
        out.append(
            JurisdictionCandidate(
                unit=UnitSummary.model_validate(unit),
                polda=UnitSummary.model_validate(polda) if polda else None,
                areas=[areas_service.area_read(o.area) for o in group],
            )
        )
    return out


def _unknown_detail(found: Resolution, province: str | None, city: str | None, district: str | None) -> str:
    if found.unknown == "province" and province:
        return f"No province named {province!r}."
    if found.unknown == "city":
        where = f" in {found.province.name}" if found.province else ""
        return f"No regency or city named {city!r}{where}."
    if found.unknown == "district":
        return "A kecamatan (district) needs its regency or city (city)."
    return "Name a province, a regency or city (city), or both."


@router.get(
    "/jurisdiction",
    response_model=JurisdictionRead,
    summary="Which unit covers a place",
    responses=err(errors.UnknownPlace, errors.NoJurisdiction),
)
def jurisdiction(
    session: SessionDep,
    ctx: Staff,
    province: Annotated[
        str | None, Query(max_length=100, description="Name, ISO (ID-JB) or Kemendagri code.", examples=["Banten"])
    ] = None,
    city: Annotated[
        str | None,
        Query(max_length=100, description="Regency or city: name or Kemendagri code.", examples=["Kab. Tangerang"]),
    ] = None,
    district: Annotated[
        str | None, Query(max_length=100, description="Kecamatan (needs `city`).", examples=["Kelapa Dua"])
    ] = None,
) -> JurisdictionRead:
    """The most specific area decides: kecamatan, then regency or city, then province. Names tolerate the usual
    variants (`Jakarta Selatan` / `Kota Administrasi Jakarta Selatan`, `Kab.` / `Kabupaten`, case). An unknown name
    is a 422 `unknown-place` naming the `parameter`; a known place no area covers is a 404 `no-jurisdiction`. A place
    that fits several units is answered with `ambiguous: true`, the `candidates` and no `unit`: Kabupaten Tangerang
    without one of its listed kecamatan (it is split between Polda Banten and Polda Metro Jaya), or a name that fits
    several regencies (`Bekasi`); `polda` then names the Polda all candidates share, if any."""
    found = service.resolve(session, exercise_id=ctx.exercise.id, province=province, city=city, district=district)
    if found.outcome == Outcome.unknown_place:
        raise errors.UnknownPlace(_unknown_detail(found, province, city, district), extra={"parameter": found.unknown})
    place = PlaceRead(
        province=found.province.iso if found.province else None,
        province_name=found.province.name if found.province else None,
        regency_code=found.regency.code if found.regency else None,
        regency_name=found.regency.name if found.regency else None,
        district=found.district,
    )
    if found.outcome == Outcome.uncovered:
        raise errors.NoJurisdiction("No area of this exercise covers that place.", extra={"place": place.model_dump()})
    return JurisdictionRead(
        decided=found.outcome == Outcome.decided,
        ambiguous=found.outcome == Outcome.ambiguous,
        reason=found.reason,
        place=place,
        unit=UnitSummary.model_validate(found.unit) if found.unit else None,
        area=areas_service.area_read(found.area) if found.area else None,
        polda=UnitSummary.model_validate(found.polda) if found.polda else None,
        candidates=_candidates(session, found.candidates),
        ignored=found.ignored,
    )
