"""A small seeded shift for scoring: a classroom scenario squeezed into half an hour before the clock's origin, so
every case can be triaged within even the exigent target, and a scripted trainee that plays it over the API."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.core.clock import ManualWallClock
from app.exercises.models import Exercise
from seed import scenarios
from seed.loader import seed_exercise
from tests.conftest import Actor, Factory

CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}
REPORTS = 60
SEED = 7
RANK = {"E": 0, "1": 1, "2": 2, "3": 3}


@dataclass
class Shift:
    session: Session
    factory: Factory
    client: TestClient
    clock: ManualWallClock
    exercise: Exercise
    instructor: Actor
    keys: dict[int, dict[str, Any]] = field(default_factory=dict)  # report number -> answer key

    @property
    def base(self) -> str:
        return f"/api/v1/exercises/{self.exercise.id}"

    def trainee(self, role: ExerciseRole = ExerciseRole.supervisor, unit_id: uuid.UUID | None = None) -> Actor:
        actor = self.factory.user()
        auth_service.add_member(
            self.session,
            exercise=self.exercise,
            user=actor.user,
            role=role,
            unit_id=unit_id,
            actor="system",
            at=self.exercise.created_at,
        )
        self.session.commit()
        return actor

    def get(self, actor: Actor, path: str, **params: Any) -> Any:
        r = self.client.get(self.base + path, headers=actor.headers, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def scores(self, **params: Any) -> dict[str, Any]:
        return self.get(self.instructor, "/scores", **params)

    def card(self, actor: Actor, **params: Any) -> dict[str, dict[str, Any]]:
        """A trainee's metrics by name, as the instructor reads them."""
        found = [t for t in self.scores(**params)["trainees"] if t["user_id"] == str(actor.user.id)]
        assert len(found) == 1
        return {m["metric"]: m for m in found[0]["metrics"]}


@dataclass
class Plan:
    """What a trainee does with each case: the answer key, unless told otherwise."""

    cases: list[dict[str, Any]]  # case reads in number order
    priority: dict[str, str] = field(default_factory=dict)  # case id -> priority to set
    unit: dict[str, str] = field(default_factory=dict)  # case id -> unit id to assign
    duplicate_of: dict[str, str] = field(default_factory=dict)  # case id -> the case it repeats
    bundle_of: dict[str, str] = field(default_factory=dict)  # case id -> its bundle's first case
    expected_priority: dict[str, str] = field(default_factory=dict)
    expected_unit: dict[str, str | None] = field(default_factory=dict)


def plan_from_key(shift: Shift, trainee: Actor) -> Plan:
    """Read the cases (as the trainee) and the answer key (as the instructor) and decide each case by the key."""
    keys = {k["report_number"]: k for k in shift.get(shift.instructor, "/answer-keys", limit=500)["items"]}
    shift.keys = keys
    listed = shift.get(trainee, "/cases", limit=500)["items"]
    cases = sorted((shift.get(trainee, f"/cases/{c['id']}") for c in listed), key=lambda c: c["number"])
    plan = Plan(cases)
    case_of_report = {r["number"]: c["id"] for c in cases for r in c["reports"]}
    bundles: dict[str, list[str]] = {}
    for case in cases:
        numbers = sorted(r["number"] for r in case["reports"])
        mine = [keys[n] for n in numbers]
        opening = mine[0]
        priority = min((k["expected_priority"] for k in mine), key=RANK.__getitem__)
        plan.priority[case["id"]] = plan.expected_priority[case["id"]] = priority
        unit = opening["expected_unit"]["id"]
        plan.expected_unit[case["id"]] = unit
        if unit is not None:
            plan.unit[case["id"]] = unit
        if opening["duplicate_of"] is not None and case_of_report[opening["duplicate_of"]] != case["id"]:
            plan.duplicate_of[case["id"]] = case_of_report[opening["duplicate_of"]]
        for k in mine:
            if k["bundle"] and case["id"] not in bundles.setdefault(k["bundle"], []):
                bundles[k["bundle"]].append(case["id"])
    for members in bundles.values():
        for other in members[1:]:
            plan.bundle_of[other] = members[0]
    return plan


def play(shift: Shift, trainee: Actor, plan: Plan, *, skip_triage: frozenset[str] = frozenset()) -> None:
    """Set each case's priority, triage it, assign it to its unit; link duplicates and bundles."""
    c, h, base = shift.client, trainee.headers, shift.base
    for case in plan.cases:
        cid = case["id"]
        r = c.patch(f"{base}/cases/{cid}", headers=h, json={"priority": plan.priority[cid]})
        assert r.status_code == 200, r.text
        if cid not in skip_triage:
            r = c.post(f"{base}/cases/{cid}/transitions", headers=h, json={"to": "triaged"})
            assert r.status_code == 200, r.text
        if cid in plan.unit:
            r = c.post(
                f"{base}/cases/{cid}/assignment", headers=h, json={"action": "assign", "unit_id": plan.unit[cid]}
            )
            assert r.status_code == 200, r.text
    for links, kind in ((plan.duplicate_of, "duplicate_of"), (plan.bundle_of, "related")):
        for cid, other in links.items():
            r = c.post(f"{base}/cases/{cid}/links", headers=h, json={"kind": kind, "other_id": other})
            assert r.status_code == 201, r.text


def jump(shift: Shift, seconds: float) -> None:
    """Move the exercise clock forward (the instructor's jump: tokens, on wall time, stay valid)."""
    r = shift.client.post(
        f"{shift.base}/clock", headers=shift.instructor.headers, json={"action": "jump", "seconds": seconds}
    )
    assert r.status_code == 200, r.text


def triage(shift: Shift, trainee: Actor, case_id: str) -> None:
    r = shift.client.post(f"{shift.base}/cases/{case_id}/transitions", headers=trainee.headers, json={"to": "triaged"})
    assert r.status_code == 200, r.text


@pytest.fixture
def shift(session: Session, factory: Factory, client: TestClient, wall_clock: ManualWallClock) -> Shift:
    instructor = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(instructor, clock=CLOCK)
    scenario = dataclasses.replace(scenarios.load("classroom"), window_hours=0.5)
    seed_exercise(session, exercise=exercise, scenario=scenario, reports=REPORTS, seed=SEED, actor="system")
    session.commit()
    wall_clock.advance(60)  # the shift starts a minute after the last arrival
    return Shift(session, factory, client, wall_clock, exercise, instructor)


Played = Callable[..., None]
