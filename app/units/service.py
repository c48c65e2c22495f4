"""Units of an exercise."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.units.models import Unit
from app.units.templates import OrgTemplate


def clone_template(session: Session, *, exercise_id: uuid.UUID, template: OrgTemplate, now: datetime) -> int:
    """Copy a template's units into an exercise; returns how many were created."""
    ids: dict[str, uuid.UUID] = {}
    for tu in template.units:
        unit = Unit(
            id=uuid.uuid4(),
            exercise_id=exercise_id,
            code=tu.code,
            name=tu.name,
            kind=tu.kind,
            parent_id=ids[tu.parent] if tu.parent else None,
            created_at=now,
        )
        ids[tu.code] = unit.id
        session.add(unit)
    session.flush()
    return len(ids)


def create_unit(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    code: str,
    name: str,
    kind: str,
    now: datetime,
    parent_id: uuid.UUID | None = None,
) -> Unit:
    unit = Unit(exercise_id=exercise_id, code=code, name=name, kind=kind, parent_id=parent_id, created_at=now)
    session.add(unit)
    session.flush()
    return unit


def get_in_exercise(session: Session, *, exercise_id: uuid.UUID, unit_id: uuid.UUID) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.id == unit_id, Unit.exercise_id == exercise_id))
