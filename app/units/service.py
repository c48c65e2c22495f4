"""Units of an exercise: cloning a template, adding, changing, moving, retiring and reinstating units.

Retiring is soft: the unit stays (cases, members and events keep pointing at it) but receives nothing new. A unit
with active children or jurisdiction areas is only retired with a ``successor``, an active unit outside its subtree
that takes them over in the same change; otherwise the answer is 409 ``unit-in-use``. Every change is an event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.db.bulk import insert_rows
from app.events import service as events_service
from app.units import errors
from app.units.jurisdiction import Outcome as Outcome
from app.units.jurisdiction import Resolution as Resolution
from app.units.jurisdiction import polda_of as polda_of
from app.units.jurisdiction import resolve as resolve
from app.units.models import AreaLevel, JurisdictionArea, Unit
from app.units.schemas import UnitCreate, UnitUpdate
from app.units.templates import OrgTemplate


class Cloned(NamedTuple):
    units: int
    areas: int


def clone_template(session: Session, *, exercise_id: uuid.UUID, template: OrgTemplate, now: datetime) -> Cloned:
    """Copy a template's units and jurisdiction areas into an exercise, in two bulk inserts (COPY on PostgreSQL)."""
    ids: dict[str, uuid.UUID] = {}
    units: list[dict[str, Any]] = []
    for tu in template.units:
        ids[tu.code] = new_id()
        units.append(
            {
                "id": ids[tu.code],
                "exercise_id": exercise_id,
                "parent_id": ids[tu.parent] if tu.parent else None,
                "code": tu.code,
                "name": tu.name,
                "kind": tu.kind.value,
                "hq": tu.hq,
                "retired_at": None,
                "created_at": now,
            }
        )
    areas = [
        {
            "id": new_id(),
            "exercise_id": exercise_id,
            "unit_id": ids[ta.unit],
            "level": AreaLevel.district if ta.district else AreaLevel.regency if ta.regency else AreaLevel.province,
            "province": ta.province,
            "regency_code": ta.regency,
            "district": ta.district,
        }
        for ta in template.areas
    ]
    insert_rows(session, Unit, units)  # parents before children: COPY or executemany keep the order
    insert_rows(session, JurisdictionArea, areas)
    return Cloned(len(units), len(areas))


def create_unit(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    code: str,
    name: str,
    kind: str,
    now: datetime,
    parent_id: uuid.UUID | None = None,
    hq: str | None = None,
) -> Unit:
    """Store a unit as given (no checks, no event): for templates, seeding and tests."""
    unit = Unit(exercise_id=exercise_id, code=code, name=name, kind=kind, parent_id=parent_id, hq=hq, created_at=now)
    session.add(unit)
    session.flush()
    return unit


def get_in_exercise(session: Session, *, exercise_id: uuid.UUID, unit_id: uuid.UUID) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.id == unit_id, Unit.exercise_id == exercise_id))


def get_unit(session: Session, *, exercise_id: uuid.UUID, unit_id: uuid.UUID, lock: bool = False) -> Unit:
    stmt = select(Unit).where(Unit.id == unit_id, Unit.exercise_id == exercise_id)
    unit = session.scalar(stmt.with_for_update() if lock else stmt)
    if unit is None:
        raise errors.UnitNotFound("No unit with that id in this exercise.")
    return unit


def get_by_code(session: Session, *, exercise_id: uuid.UUID, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.exercise_id == exercise_id, Unit.code == code))


def active_unit(session: Session, *, exercise_id: uuid.UUID, unit_id: uuid.UUID, pointer: str) -> Unit:
    """A unit that may receive something new: in this exercise (422 otherwise) and not retired (409)."""
    unit = get_in_exercise(session, exercise_id=exercise_id, unit_id=unit_id)
    if unit is None:
        raise errors.UnknownUnit("That unit does not belong to this exercise.", extra={"pointer": pointer})
    if unit.retired:
        raise errors.UnitRetired(f"{unit.name} is retired.", extra={"pointer": pointer, "unit_id": str(unit.id)})
    return unit


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent."""
    chain: list[Unit] = []
    current = unit
    while current.parent_id is not None and len(chain) < 64:
        parent = session.get(Unit, current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return chain[::-1]


def children(session: Session, unit: Unit) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)))


def areas_of(session: Session, unit: Unit) -> list[JurisdictionArea]:
    order = (JurisdictionArea.province, JurisdictionArea.regency_code, JurisdictionArea.district)
    return list(session.scalars(select(JurisdictionArea).where(JurisdictionArea.unit_id == unit.id).order_by(*order)))


def list_units(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    params: PageParams,
    include_retired: bool = False,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
) -> tuple[list[Unit], str | None, int | None]:
    stmt = select(Unit).where(Unit.exercise_id == exercise_id)
    if not include_retired:
        stmt = stmt.where(Unit.retired_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Unit.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    return paginate(session, stmt, keys=[Unit.code, Unit.id], params=params)


def all_units(session: Session, *, exercise_id: uuid.UUID, include_retired: bool = False) -> list[Unit]:
    stmt = select(Unit).where(Unit.exercise_id == exercise_id)
    if not include_retired:
        stmt = stmt.where(Unit.retired_at.is_(None))
    return list(session.scalars(stmt.order_by(Unit.code)))


def _record(session: Session, ctx: ExerciseContext, unit: Unit, type: str, data: dict[str, Any]) -> None:
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=ctx.now(),
        actor=ctx.actor,
        type=type,
        subject_type="unit",
        subject_id=unit.id,
        data={"code": unit.code, **data},
    )


def add_unit(session: Session, *, ctx: ExerciseContext, data: UnitCreate) -> Unit:
    exercise_id = ctx.exercise.id
    if get_by_code(session, exercise_id=exercise_id, code=data.code) is not None:
        raise errors.UnitCodeTaken(f"This exercise already has a unit {data.code!r}.", extra={"pointer": "/code"})
    if data.parent_id is not None:
        active_unit(session, exercise_id=exercise_id, unit_id=data.parent_id, pointer="/parent_id")
    unit = create_unit(
        session,
        exercise_id=exercise_id,
        code=data.code,
        name=data.name,
        kind=data.kind,
        hq=data.hq,
        parent_id=data.parent_id,
        now=ctx.now(),
    )
    _record(session, ctx, unit, "unit.created", data.model_dump(exclude={"code"}))
    return unit


def _outside_subtree(session: Session, unit: Unit, other: Unit, pointer: str) -> None:
    if other.id == unit.id or unit in ancestors(session, other):
        raise errors.InvalidParent(
            f"{other.name} is {unit.name} itself or one of its descendants.", extra={"pointer": pointer}
        )


def update_unit(session: Session, *, ctx: ExerciseContext, unit: Unit, data: UnitUpdate) -> Unit:
    given = data.model_fields_set
    changes: dict[str, dict[str, Any]] = {}
    for field in ("name", "kind"):
        new = getattr(data, field)
        if new is not None and new != getattr(unit, field):
            changes[field] = {"old": getattr(unit, field), "new": new}
    if "hq" in given and data.hq != unit.hq:
        changes["hq"] = {"old": unit.hq, "new": data.hq}
    if "parent_id" in given and data.parent_id != unit.parent_id:
        if data.parent_id is not None:
            parent = active_unit(session, exercise_id=ctx.exercise.id, unit_id=data.parent_id, pointer="/parent_id")
            _outside_subtree(session, unit, parent, "/parent_id")
        changes["parent_id"] = {"old": unit.parent_id, "new": data.parent_id}
    retiring, reinstating = data.retired is True and not unit.retired, data.retired is False and unit.retired
    if retiring:
        _check_retirement(session, ctx=ctx, unit=unit, successor_id=data.successor_id)
    if reinstating:
        parent_id = changes["parent_id"]["new"] if "parent_id" in changes else unit.parent_id
        if parent_id is not None:
            active_unit(session, exercise_id=ctx.exercise.id, unit_id=parent_id, pointer="/retired")
    if changes:
        for field, change in changes.items():
            setattr(unit, field, change["new"])
        session.flush()
        _record(session, ctx, unit, "unit.updated", {"changes": changes})
    if retiring:
        _retire(session, ctx=ctx, unit=unit, successor_id=data.successor_id)
    elif reinstating:
        unit.retired_at = None
        session.flush()
        _record(session, ctx, unit, "unit.reinstated", {})
    return unit


def _active_children(session: Session, unit: Unit) -> list[uuid.UUID]:
    stmt = select(Unit.id).where(Unit.parent_id == unit.id, Unit.retired_at.is_(None)).order_by(Unit.code)
    return list(session.scalars(stmt))


def _check_retirement(session: Session, *, ctx: ExerciseContext, unit: Unit, successor_id: uuid.UUID | None) -> None:
    if successor_id is not None:
        successor = active_unit(session, exercise_id=ctx.exercise.id, unit_id=successor_id, pointer="/successor_id")
        _outside_subtree(session, unit, successor, "/successor_id")
        return
    kids = len(_active_children(session, unit))
    areas = session.scalar(select(func.count()).where(JurisdictionArea.unit_id == unit.id)) or 0
    if kids or areas:
        raise errors.UnitInUse(
            f"{unit.name} still has {kids} active child unit(s) and {areas} jurisdiction area(s); retire it with a "
            "successor_id that takes them over, or move them first.",
            extra={"active_children": kids, "areas": areas},
        )


def _retire(session: Session, *, ctx: ExerciseContext, unit: Unit, successor_id: uuid.UUID | None) -> None:
    moved_children = _active_children(session, unit)
    moved_areas = [a.id for a in areas_of(session, unit)]
    if successor_id is not None:
        if moved_children:
            session.execute(
                update(Unit).where(Unit.id.in_(moved_children)).values(parent_id=successor_id),
                execution_options={"synchronize_session": "fetch"},
            )
        if moved_areas:
            session.execute(
                update(JurisdictionArea).where(JurisdictionArea.unit_id == unit.id).values(unit_id=successor_id),
                execution_options={"synchronize_session": "fetch"},
            )
    unit.retired_at = ctx.now()
    session.flush()
    _record(
        session,
        ctx,
        unit,
        "unit.retired",
        {"successor_id": successor_id, "moved_children": moved_children, "moved_areas": moved_areas},
    )
