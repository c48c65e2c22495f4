"""A small world for case tests: an exercise with a unit tree, members in roles and units, and cases in any state.

Units: NAT (national, top level) → POLDA-A → POLRES-A1, and NAT → POLDA-B.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import ExerciseContext, Principal
from app.cases import service as cases_service
from app.cases import sla
from app.cases.models import PRIORITY_RANK, Case, CaseStatus, Classification, Priority
from app.events import service as events_service
from app.exercises import counters
from app.exercises.models import Exercise
from app.units import service as units_service
from app.units.models import Unit
from tests.conftest import Actor, Factory

UNIT_TREE = (("NAT", None), ("POLDA-A", "NAT"), ("POLRES-A1", "POLDA-A"), ("POLDA-B", "NAT"))


@dataclass
class World:
    session: Session
    factory: Factory
    exercise: Exercise
    owner: Actor
    units: dict[str, Unit] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/api/v1/exercises/{self.exercise.id}"

    def url(self, case: Case | uuid.UUID, tail: str = "") -> str:
        case_id = case.id if isinstance(case, Case) else case
        return f"{self.base}/cases/{case_id}{tail}"

    def member(self, role: ExerciseRole, unit: str | None = None) -> Actor:
        actor = self.factory.user()
        auth_service.add_member(
            self.session,
            exercise=self.exercise,
            user=actor.user,
            role=role,
            unit_id=self.units[unit].id if unit else None,
            actor="system",
            at=self.exercise.created_at,
        )
        self.session.commit()
        return actor

    def ctx(self) -> ExerciseContext:
        membership = auth_service.get_membership(self.session, exercise_id=self.exercise.id, user_id=self.owner.user.id)
        return ExerciseContext(self.exercise, Principal(self.owner.user, None), membership)

    def case(
        self,
        status: CaseStatus = CaseStatus.new,
        *,
        unit: str | None = None,
        priority: str | None = None,
        urgent: bool = False,
        **fields: Any,
    ) -> Case:
        """A case opened as intake opens it, then put straight into ``status`` (with what that status implies)."""
        ctx = self.ctx()
        at = ctx.now()
        case = open_case(self.session, ctx, urgent=urgent, incident_type="Child Sex Trafficking")
        if priority is not None:
            case.priority, case.priority_rank = priority, PRIORITY_RANK[Priority(priority)]
        case.unit_id = self.units[unit].id if unit else None
        if status != CaseStatus.new:
            case.triaged_at = at
        if status in (CaseStatus.investigating, CaseStatus.closed, CaseStatus.referred):
            case.first_action_at = at
        if status == CaseStatus.on_hold:
            case.resume_status = fields.pop("resume_status", CaseStatus.triaged)
        if status in (CaseStatus.closed, CaseStatus.referred):
            case.disposition, case.closed_at = "unfounded", at
        case.status = status
        for name, value in fields.items():
            setattr(case, name, value)
        sla.recompute(case, sla.policy_for(self.session, exercise_id=self.exercise.id))
        if status == CaseStatus.on_hold:
            sla.pause(case, now=at)
        self.session.commit()
        return case


def open_case(session: Session, ctx: ExerciseContext, *, urgent: bool, incident_type: str | None = None) -> Case:
    """A case as intake opens one (row and ``case.opened`` event), without a report."""
    number = counters.reserve_many(session, exercise_id=ctx.exercise.id, counts={"case": 1})["case"]
    row, event = cases_service.build_case(
        ctx,
        number=number,
        classification=Classification.referral,
        urgent=urgent,
        at=ctx.now(),
        report_number=0,
        policy=sla.policy_for(session, exercise_id=ctx.exercise.id),
        incident_type=incident_type,
    )
    case = Case(**row)
    session.add(case)
    session.flush()
    events_service.append_many(session, exercise_id=ctx.exercise.id, drafts=[event])
    return case


@pytest.fixture
def world(session: Session, factory: Factory) -> World:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner, org_template="empty")
    w = World(session, factory, exercise, owner)
    for code, parent in UNIT_TREE:
        w.units[code] = units_service.create_unit(
            session,
            exercise_id=exercise.id,
            code=code,
            name=f"Unit {code}",
            kind="directorate" if parent is None else "command",
            now=exercise.created_at,
            parent_id=w.units[parent].id if parent else None,
        )
    session.commit()
    return w
