"""A seeded exercise for statistics: cases in every state with milestones, holds (and their events), SLA breaches,
reports (bundles, several ESPs), links and tags, spread over a few weeks of exercise time; and a plain-Python
reference that recomputes every figure from the same rows."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole as R
from app.cases import sla
from app.cases.models import PRIORITY_RANK, Case, CaseLink, CaseStatus, Classification, LinkKind, Priority
from app.events import service as events_service
from app.events.models import Event
from app.reports.models import Report, ReportSource
from app.routing.models import Deconfliction
from app.stats import facts
from tests.cases.conftest import World, open_case, world  # noqa: F401  (the fixture, for this folder)
from tests.conftest import Actor

ESPS = ("Contoh Social", "Contoh Mail", "Contoh Video")
INCIDENTS = ("Child Sex Trafficking", "Online Enticement of Children for Sexual Acts", "Misleading Domain Name")
PROVINCES = ("ID-JK", "ID-JB", "ID-BT", None)
TAGS = ("wave-a", "wave-b", "reviewed")
UNITS = ("NAT", "POLDA-A", "POLRES-A1", "POLDA-B", None)
HOUR = timedelta(hours=1)


@dataclass
class StatsWorld:
    world: World
    now: datetime
    investigators: list[Actor]
    analyst_a: Actor  # an analyst at POLDA-A: sees POLDA-A and POLRES-A1

    @property
    def base(self) -> str:
        return f"{self.world.base}/stats"

    def cases(self, session: Session, units: set[str] | None = None) -> list[Case]:
        rows = list(session.scalars(select(Case).where(Case.exercise_id == self.world.exercise.id)))
        if units is None:
            return rows
        ids = {self.world.units[u].id for u in units}
        return [c for c in rows if c.unit_id in ids]


def _milestones(
    rng: random.Random, case: Case, status: CaseStatus, now: datetime, held: list[tuple[datetime, float]]
) -> None:
    """Set milestones consistent with ``status``; holds (resume time, seconds) go between milestones."""
    t = case.created_at
    span = (now - t).total_seconds()

    def step() -> datetime:
        nonlocal t
        t = min(now, t + timedelta(seconds=rng.uniform(0, span / 5), microseconds=rng.randrange(1_000_000)))
        return t

    def maybe_hold() -> None:
        nonlocal t
        if rng.random() < 0.35:
            seconds = round(rng.uniform(60, 3 * 3600), 3)
            t = min(now, t + timedelta(seconds=seconds + rng.uniform(0, 600)))
            held.append((t, seconds))

    if status == CaseStatus.new:
        return
    case.triaged_at = step()
    if status in (CaseStatus.triaged, CaseStatus.reopened):
        maybe_hold()
        return
    if status == CaseStatus.on_hold:
        case.resume_status = CaseStatus.triaged
        return
    if rng.random() < 0.8:
        maybe_hold()
        case.assigned_at = step()
    if status == CaseStatus.assigned:
        maybe_hold()
        return
    maybe_hold()
    case.first_action_at = step()
    if status == CaseStatus.investigating:
        maybe_hold()
        return
    maybe_hold()
    case.closed_at = step()
    case.disposition = "referred_out" if status == CaseStatus.referred else rng.choice(("arrest", "unfounded"))


@pytest.fixture
def stats_world(world: World) -> StatsWorld:  # noqa: F811
    rng = random.Random(7)
    session = world.session
    ctx = world.ctx()
    now = ctx.now()
    investigators = [world.member(R.investigator, u) for u in ("POLDA-A", "POLRES-A1", "POLDA-B")]
    analyst_a = world.member(R.analyst, "POLDA-A")
    policy = sla.policy_for(session, exercise_id=world.exercise.id)
    report_number = 0
    cases: list[Case] = []
    statuses = list(CaseStatus)
    for i in range(90):
        case = open_case(session, ctx, urgent=False, incident_type=rng.choice(INCIDENTS))
        case.created_at = now - timedelta(days=rng.uniform(0, 40), microseconds=rng.randrange(1_000_000))
        priority = rng.choice((None, "E", "1", "2", "3"))
        case.priority = priority
        case.priority_rank = PRIORITY_RANK[Priority(priority)] if priority else 9
        case.classification = rng.choice(list(Classification))
        case.province = rng.choice(PROVINCES)
        unit = UNITS[i % len(UNITS)]
        case.unit_id = world.units[unit].id if unit else None
        case.tags = rng.sample(TAGS, rng.randrange(0, 3))
        status = statuses[i % len(statuses)]
        held: list[tuple[datetime, float]] = []
        _milestones(rng, case, status, now, held)
        case.status = status
        if status in (CaseStatus.assigned, CaseStatus.investigating, CaseStatus.on_hold) and rng.random() < 0.7:
            case.assignee_id = rng.choice(investigators).user.id
        case.sla_paused_seconds = sum(s for _, s in held)
        sla.recompute(case, policy)
        if status == CaseStatus.on_hold:
            sla.pause(case, now=now - HOUR)
        if rng.random() < 0.3 and case.triage_due_at is not None:
            case.triage_breached_at = case.triage_due_at + timedelta(minutes=rng.randrange(1, 90))
        if rng.random() < 0.3 and case.action_due_at is not None:
            case.action_breached_at = min(now, case.action_due_at + timedelta(minutes=rng.randrange(1, 90)))
        session.flush()
        for at, seconds in held:
            events_service.append(
                session,
                exercise_id=world.exercise.id,
                at=at,
                actor="system",
                type="case.transitioned",
                subject_type="case",
                subject_id=case.id,
                data={"from": "on_hold", "to": "triaged", "held_seconds": seconds},
            )
        # a decoy: a held_seconds on another kind of transition is not a hold
        events_service.append(
            session,
            exercise_id=world.exercise.id,
            at=case.created_at,
            actor="system",
            type="case.transitioned",
            subject_type="case",
            subject_id=case.id,
            data={"from": "new", "to": "new", "held_seconds": 99999.0},
        )
        for r in range(1 if rng.random() < 0.7 else rng.randrange(2, 4)):
            report_number += 1
            session.add(
                Report(
                    exercise_id=world.exercise.id,
                    number=report_number,
                    case_id=case.id,
                    source=ReportSource.seed,
                    request_hash="0" * 64,
                    received_at=case.created_at + timedelta(minutes=r),
                    recorded_at=case.created_at,
                    document={},
                    incident_type=case.incident_type or INCIDENTS[0],
                    esp_name=rng.choice(ESPS),
                    classification=case.classification,
                )
            )
        cases.append(case)
    session.flush()
    for a, b, kind in ((0, 1, LinkKind.related), (5, 9, LinkKind.duplicate_of), (12, 1, LinkKind.related)):
        session.add(
            CaseLink(
                exercise_id=world.exercise.id,
                case_id=cases[a].id,
                other_id=cases[b].id,
                kind=kind,
                created_by="system",
                created_at=now,
            )
        )
    for a, b in ((3, 20), (3, 41), (7, 60)):  # shared indicators across units: rows both ways, as intake writes them
        for case_id, other_id in ((cases[a].id, cases[b].id), (cases[b].id, cases[a].id)):
            session.add(
                Deconfliction(
                    exercise_id=world.exercise.id,
                    case_id=case_id,
                    other_id=other_id,
                    kind="email",
                    scope="",
                    value=f"subject{a}@example.com",
                    value_hash=f"{a:064d}",
                    created_at=now,
                )
            )
    session.flush()
    facts.refresh(session, world.exercise.id)  # rows written around the application: derive their facts
    session.commit()
    return StatsWorld(world, now, investigators, analyst_a)


# --- the reference ------------------------------------------------------------------------------------------------


def nearest_rank(values: list[int], p: int) -> int:
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


def micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def resumptions(session: Session, exercise_id: uuid.UUID) -> dict[str, list[tuple[datetime, float]]]:
    out: dict[str, list[tuple[datetime, float]]] = {}
    for e in session.scalars(select(Event).where(Event.exercise_id == exercise_id, Event.type == "case.transitioned")):
        if e.data.get("from") == "on_hold":
            out.setdefault(e.subject_id or "", []).append((e.at, float(e.data["held_seconds"])))
    return out


MILESTONE = {
    "time_to_triage": "triaged_at",
    "time_to_assign": "assigned_at",
    "time_to_first_action": "first_action_at",
    "time_to_close": "closed_at",
}


def durations_of(
    cases: list[Case], metric: str, holds: dict[str, list[tuple[datetime, float]]]
) -> dict[uuid.UUID, int]:
    out = {}
    for c in cases:
        m = getattr(c, MILESTONE[metric])
        if m is None:
            continue
        held = 0
        if metric != "time_to_triage":
            held = round(sum(s for at, s in holds.get(str(c.id), []) if at <= m) * 1_000_000)
        out[c.id] = micros(m - c.created_at) - held
    return out


def summary_stats(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean_seconds": None, "p50_seconds": None, "p90_seconds": None, "p99_seconds": None}
    return {
        "count": len(values),
        "mean_seconds": round(sum(values) / len(values) / 1_000_000, 6),
        "p50_seconds": nearest_rank(values, 50) / 1_000_000,
        "p90_seconds": nearest_rank(values, 90) / 1_000_000,
        "p99_seconds": nearest_rank(values, 99) / 1_000_000,
        "max_seconds": max(values) / 1_000_000,
    }


def is_open(c: Case) -> bool:
    return c.status not in (CaseStatus.closed, CaseStatus.referred)
