"""Which cases a caller may see: the one rule every case endpoint (list, read, history, changes, bulk) applies.

- Instructors and admins see every case of the exercise.
- *National intake*: a supervisor or analyst whose membership has no unit, or whose unit is national: the root of
  the exercise's tree (no parent) or a unit of a national kind (``national_*``: in the ``id-polri`` template Mabes
  Polri, Bareskrim and the Bareskrim directorates such as Dittipidsiber, the intake for CyberTipline reports), sees
  every case, including cases not yet routed to any unit.
- Other supervisors and analysts see the cases of their unit's subtree.
- Investigators see the cases of their unit's subtree (none without a unit) and, wherever they are, the cases
  assigned to them.
- Everyone else sees no case. A case outside what a caller sees is answered exactly like a missing one (404).

Cases may only be assigned to units the caller sees: the whole tree for the first two groups, the subtree otherwise.

*Arrival* (drip-fed reports, docs/stream.md): a scheduled report, and the case it opens, exist for nobody (instructors
included) until the exercise clock reaches its ``arrives_at``. :func:`arrived` and :func:`report_arrived` are the one
statement of that rule; :meth:`Visibility.clause` includes it, and report queries use :func:`report_arrived`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases.models import Case
from app.reports.models import Report
from app.units.models import Unit

NATIONAL_KIND_PREFIX = "national_"
NATIONAL_ROLES = (ExerciseRole.supervisor, ExerciseRole.analyst)
UNIT_ROLES = (ExerciseRole.supervisor, ExerciseRole.analyst, ExerciseRole.investigator)


def arrived(now: datetime) -> ColumnElement[bool]:
    """A case has arrived: it was not scheduled, or the exercise clock (``now``) has reached its arrival."""
    return or_(Case.arrives_at.is_(None), Case.arrives_at <= now)


def report_arrived(now: datetime) -> ColumnElement[bool]:
    """A report has arrived: it was not scheduled, or the exercise clock (``now``) has reached its arrival."""
    return or_(Report.arrives_at.is_(None), Report.arrives_at <= now)


def subtree(exercise_id: uuid.UUID, unit_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Ids of a unit and every unit below it (a recursive query, on both databases)."""
    top = select(Unit.id).where(Unit.id == unit_id, Unit.exercise_id == exercise_id).cte("unit_tree", recursive=True)
    child = aliased(Unit)
    tree = top.union_all(select(child.id).where(child.parent_id == top.c.id))
    return select(tree.c.id)


def subtree_ids(session: Session, exercise_id: uuid.UUID, unit_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """The subtree as a list, read once: case queries then compare ``unit_id`` with literal ids, which the planner
    estimates well (a recursive query inside the case query is estimated blindly)."""
    return tuple(session.scalars(subtree(exercise_id, unit_id)))


@dataclass(frozen=True, slots=True)
class Visibility:
    everything: bool
    unit_ids: tuple[uuid.UUID, ...]  # the subtree seen, when not everything
    assignee_id: uuid.UUID | None  # cases assigned to this user are seen too
    exercise_id: uuid.UUID
    now: datetime | None = None  # the exercise time: cases that have not arrived by then are not seen

    def clause(self) -> Any:
        """A condition on ``Case`` (the exercise condition is separate)."""
        if self.now is not None:
            return and_(arrived(self.now), self._seen())
        return self._seen()

    def _seen(self) -> Any:
        if self.everything:
            return true()
        parts: list[Any] = []
        if self.unit_ids:
            parts.append(Case.unit_id.in_(self.unit_ids))
        if self.assignee_id is not None:
            parts.append(Case.assignee_id == self.assignee_id)
        if not parts:
            return false()
        return parts[0] if len(parts) == 1 else parts[0] | parts[1]

    def sees_unit(self, session: Session, unit_id: uuid.UUID) -> bool:
        """Whether ``unit_id`` is a unit of the exercise inside what the caller sees."""
        if self.everything:
            found = select(Unit.id).where(Unit.id == unit_id, Unit.exercise_id == self.exercise_id)
            return session.scalar(found) is not None
        return unit_id in self.unit_ids


def is_national(unit: Unit) -> bool:
    return unit.parent_id is None or unit.kind.startswith(NATIONAL_KIND_PREFIX)


def visibility(session: Session, ctx: ExerciseContext) -> Visibility:
    """What the caller sees now: their cases (:func:`_visibility`) that have arrived by the exercise clock."""
    found = _visibility(session, ctx)
    return Visibility(found.everything, found.unit_ids, found.assignee_id, found.exercise_id, now=ctx.now())


def _visibility(session: Session, ctx: ExerciseContext) -> Visibility:
    exercise_id = ctx.exercise.id
    role, membership = ctx.role, ctx.membership
    if ctx.principal.is_admin or membership is None or role == ExerciseRole.instructor:
        return Visibility(True, (), None, exercise_id)
    unit = session.get(Unit, membership.unit_id) if membership.unit_id is not None else None
    if role in NATIONAL_ROLES and (unit is None or is_national(unit)):
        return Visibility(True, (), None, exercise_id)
    if role not in UNIT_ROLES:
        return Visibility(False, (), None, exercise_id)
    own = ctx.principal.user.id if role == ExerciseRole.investigator else None
    units = subtree_ids(session, exercise_id, unit.id) if unit is not None else ()
    return Visibility(False, units, own, exercise_id)
