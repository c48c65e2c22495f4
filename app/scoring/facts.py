"""What scoring reads, in one pass: the answer keys, the cases they belong to, the links between cases, the case
events of the log and the trainees. Everything below works on these plain records, never on the database.

A *keyed case* is a case opened by a seeded report (one with an answer key). Which reports a case started with is
read from the log (``case.opened`` and ``case.report_added`` carry the report number), so a merge that later moves
reports between cases does not change what a case was expected to be.

Events other domains are adding are read by name, so a metric that needs them has no opportunities until they
exist: ``case.routed`` (intake routing; the unit in ``data.unit_id`` or ``data.to_unit_id``), ``case.transferred``
(``data.from_unit_id``, ``data.to_unit_id``, ``data.reason``), ``case.referred``, ``case.deconflicted`` and links of
kind ``deconfliction``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, Membership, User
from app.cases.models import PRIORITY_RANK, Case, CaseLink, Priority
from app.events.models import Event
from app.events.service import actor_for_user
from app.seeding.models import AnswerKey
from app.units.models import Unit

TRAINEE_ROLES = (ExerciseRole.analyst, ExerciseRole.supervisor, ExerciseRole.investigator)


@dataclass(frozen=True, slots=True)
class Trainee:
    user_id: uuid.UUID
    username: str
    display_name: str
    role: str
    unit_id: uuid.UUID | None
    membership: Membership
    user: User

    @property
    def actor(self) -> str:
        return actor_for_user(self.user_id)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    seq: int
    at: datetime
    actor: str
    type: str
    case_id: uuid.UUID
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Link:
    case_id: uuid.UUID
    other_id: uuid.UUID
    kind: str
    created_by: str
    created_at: datetime


@dataclass(slots=True)
class Expectation:
    """What the answer key expects of one case, from the keys of the reports it opened with."""

    priority: str  # the highest expected priority among its reports
    unit_id: uuid.UUID | None  # of the report that opened it
    unit_code: str | None
    should_escalate: bool  # any of its reports
    duplicate_of_report: int | None  # the report the opening report repeats
    bundles: tuple[str, ...]
    subject: str | None
    rationale: str
    reports: tuple[int, ...]  # report numbers it opened with, the opening one first


@dataclass(slots=True)
class CaseFacts:
    id: uuid.UUID
    number: int
    status: str
    priority: str | None
    unit_id: uuid.UUID | None
    tags: list[str]
    disposition: str | None
    created_at: datetime
    triaged_at: datetime | None
    paused_seconds: float
    triage_breached_at: datetime | None
    action_breached_at: datetime | None
    expected: Expectation
    events: list[CaseEvent] = field(default_factory=list)  # every case event of the log, in order


@dataclass(slots=True)
class Shift:
    exercise_id: uuid.UUID
    now: datetime
    trainees: dict[str, Trainee]  # by actor
    cases: dict[uuid.UUID, CaseFacts]  # keyed cases only
    case_of_report: dict[int, uuid.UUID]  # report number -> the case it opened with (keyed reports)
    links: list[Link]
    units: dict[uuid.UUID, Unit]
    flags: dict[uuid.UUID, datetime] = field(default_factory=dict)  # deconfliction flags: case -> first flagged

    def is_trainee(self, actor: str) -> bool:
        return actor in self.trainees

    def unit_label(self, unit_id: uuid.UUID | None) -> str:
        if unit_id is None:
            return "no unit"
        unit = self.units.get(unit_id)
        return unit.code if unit is not None else str(unit_id)


def rank(priority: str | None) -> int:
    return PRIORITY_RANK[Priority(priority)] if priority else 9


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def trainees(session: Session, exercise_id: uuid.UUID) -> dict[str, Trainee]:
    rows = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.exercise_id == exercise_id, Membership.role.in_(TRAINEE_ROLES))
        .order_by(User.username)
    ).all()
    found = [Trainee(user.id, user.username, user.display_name, str(m.role), m.unit_id, m, user) for m, user in rows]
    return {t.actor: t for t in found}


def _expectations(keys: dict[int, AnswerKey], opened: dict[uuid.UUID, list[int]]) -> dict[uuid.UUID, Expectation]:
    out: dict[uuid.UUID, Expectation] = {}
    for case_id, numbers in opened.items():
        first = keys.get(numbers[0])
        if first is None:
            continue
        mine = [keys[n] for n in numbers if n in keys]
        out[case_id] = Expectation(
            priority=min((k.expected_priority for k in mine), key=rank),
            unit_id=first.expected_unit_id,
            unit_code=first.expected_unit_code,
            should_escalate=any(k.should_escalate for k in mine),
            duplicate_of_report=first.duplicate_of,
            bundles=tuple(dict.fromkeys(k.bundle for k in mine if k.bundle)),
            subject=first.subject,
            rationale=first.rationale,
            reports=tuple(numbers),
        )
    return out


def load(session: Session, *, exercise_id: uuid.UUID, now: datetime) -> Shift:
    """Everything scoring needs about an exercise, read in a handful of queries."""
    keys = {k.report_number: k for k in session.scalars(select(AnswerKey).where(AnswerKey.exercise_id == exercise_id))}
    rows = session.execute(
        select(Event.seq, Event.at, Event.actor, Event.type, Event.subject_id, Event.data)
        .where(Event.exercise_id == exercise_id, Event.subject_type == "case")
        .order_by(Event.seq)
    ).all()
    opened: dict[uuid.UUID, list[int]] = {}
    events: dict[uuid.UUID, list[CaseEvent]] = {}
    for seq, at, actor, type_, subject_id, data in rows:
        case_id = _uuid(subject_id)
        if case_id is None:
            continue
        data = data or {}
        if type_ in ("case.opened", "case.report_added") and data.get("report_number") is not None:
            opened.setdefault(case_id, []).append(int(data["report_number"]))
        events.setdefault(case_id, []).append(CaseEvent(seq, at, actor, type_, case_id, data))
    expected = _expectations(keys, opened)
    cases: dict[uuid.UUID, CaseFacts] = {}
    if expected:
        for c in session.scalars(select(Case).where(Case.exercise_id == exercise_id).order_by(Case.number)):
            if c.id not in expected:
                continue
            cases[c.id] = CaseFacts(
                id=c.id,
                number=c.number,
                status=str(c.status),
                priority=c.priority,
                unit_id=c.unit_id,
                tags=list(c.tags or []),
                disposition=c.disposition,
                created_at=c.created_at,
                triaged_at=c.triaged_at,
                paused_seconds=c.sla_paused_seconds or 0.0,
                triage_breached_at=c.triage_breached_at,
                action_breached_at=c.action_breached_at,
                expected=expected[c.id],
                events=events.get(c.id, []),
            )
    case_of_report = {n: case_id for case_id, numbers in opened.items() if case_id in cases for n in numbers}
    links = [
        Link(link.case_id, link.other_id, str(link.kind), link.created_by, link.created_at)
        for link in session.scalars(select(CaseLink).where(CaseLink.exercise_id == exercise_id))
    ]
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.exercise_id == exercise_id))}
    shift = Shift(exercise_id, now, trainees(session, exercise_id), cases, case_of_report, links, units)
    for link in links:
        if link.kind == "deconfliction":
            for case_id in (link.case_id, link.other_id):
                _flag(shift.flags, case_id, link.created_at)
    for case_id, case_events in events.items():
        for e in case_events:
            if e.type == "case.deconflicted":
                _flag(shift.flags, case_id, e.at)
    return shift


def _flag(flags: dict[uuid.UUID, datetime], case_id: uuid.UUID, at: datetime) -> None:
    if case_id not in flags or at < flags[case_id]:
        flags[case_id] = at
