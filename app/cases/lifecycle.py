"""The case lifecycle as data, and the one dispatcher that applies a transition.

Default lifecycle (an exercise may later carry its own table of the same shape)::

    new → triaged → assigned → investigating → closed
    triaged | assigned | investigating → on_hold → back to where it was
    triaged | assigned | investigating → referred (terminal unless reopened)
    new | triaged | assigned | investigating → closed (with a disposition)
    closed | referred → reopened → triaged

Each transition names the roles that may make it. Instructors (and admins) may make every transition. An
investigator may *propose* closing an investigation: the proposal is recorded on the case and a supervisor closes it.
Anything not in the table is a 409 naming the transitions that are allowed from the current status; a role not named
for a transition that exists is a 403; closing without a disposition is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole as R
from app.cases import errors, sla
from app.cases.models import Case
from app.cases.models import CaseStatus as S
from app.stats import facts

DISPOSITIONS: tuple[str, ...] = (
    "arrest",
    "suspect_identified",
    "no_jurisdiction",
    "insufficient_information",
    "duplicate",
    "unfounded",
    "referred_out",
)


@dataclass(frozen=True, slots=True)
class Transition:
    source: S
    target: S
    roles: frozenset[R]
    proposers: frozenset[R] = frozenset()  # may propose it; a role in `roles` then makes it
    requires_disposition: bool = False


def _t(source: S, target: S, *roles: R, proposers: tuple[R, ...] = (), disposition: bool = False) -> Transition:
    return Transition(source, target, frozenset(roles), frozenset(proposers), disposition)


TRIAGE = (R.analyst, R.supervisor)
WORK = (R.supervisor, R.investigator)
HOLD = (R.analyst, R.supervisor, R.investigator)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    transitions: tuple[Transition, ...]
    dispositions: tuple[str, ...]
    hold: S = S.on_hold  # returns to the status it was entered from
    superusers: frozenset[R] = field(default_factory=lambda: frozenset({R.instructor}))

    def find(self, source: S, target: S) -> Transition | None:
        return next((t for t in self.transitions if t.source == source and t.target == target), None)

    def allowed(self, case: Case) -> list[Transition]:
        """Transitions the table allows from the case's status (for a held case: only back where it was)."""
        return [
            t
            for t in self.transitions
            if t.source == case.status and (case.status != self.hold or t.target == case.resume_status)
        ]


DEFAULT = Lifecycle(
    transitions=(
        _t(S.new, S.triaged, *TRIAGE),
        _t(S.new, S.closed, R.supervisor, disposition=True),
        _t(S.triaged, S.assigned, R.supervisor),
        _t(S.triaged, S.on_hold, *TRIAGE),
        _t(S.triaged, S.referred, R.supervisor),
        _t(S.triaged, S.closed, R.supervisor, disposition=True),
        _t(S.assigned, S.investigating, *WORK),
        _t(S.assigned, S.on_hold, *WORK),
        _t(S.assigned, S.referred, R.supervisor),
        _t(S.assigned, S.closed, R.supervisor, disposition=True),
        _t(S.investigating, S.on_hold, *WORK),
        _t(S.investigating, S.referred, R.supervisor),
        _t(S.investigating, S.closed, R.supervisor, proposers=(R.investigator,), disposition=True),
        _t(S.on_hold, S.triaged, *HOLD),
        _t(S.on_hold, S.assigned, *HOLD),
        _t(S.on_hold, S.investigating, *HOLD),
        _t(S.referred, S.reopened, R.supervisor),
        _t(S.closed, S.reopened, R.supervisor),
        _t(S.reopened, S.triaged, *TRIAGE),
    ),
    dispositions=DISPOSITIONS,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    previous: S
    proposed: bool  # True: an investigator's closure proposal was recorded, the status did not change
    data: dict[str, Any]  # for the event


def _allowed_names(lifecycle: Lifecycle, case: Case) -> list[str]:
    return [t.target.value for t in lifecycle.allowed(case)]


def check(
    lifecycle: Lifecycle, case: Case, *, target: S, role: R | None, disposition: str | None
) -> tuple[Transition, bool]:
    """The transition to make and whether the caller only proposes it; raises the 409, 403 or 422."""
    transition = lifecycle.find(case.status, target)
    if transition is None or transition not in lifecycle.allowed(case):
        allowed = _allowed_names(lifecycle, case)
        raise errors.TransitionNotAllowed(
            f"A case cannot go from {case.status} to {target}; from {case.status} it can go to: "
            f"{', '.join(allowed) or 'nothing'}.",
            extra={"from": case.status, "to": target.value, "allowed": allowed},
        )
    superuser = role is None or role in lifecycle.superusers  # None: an admin who is not a member
    proposes = not superuser and role not in transition.roles and role in transition.proposers
    if not superuser and role not in transition.roles and not proposes:
        raise errors.TransitionForbidden(
            f"Your role ({role}) may not move a case from {case.status} to {target}.",
            extra={"required_roles": sorted({*transition.roles, *lifecycle.superusers})},
        )
    if disposition is not None and disposition not in lifecycle.dispositions:
        raise errors.UnknownDisposition(
            f"{disposition!r} is not a disposition of this exercise.",
            extra={"allowed": list(lifecycle.dispositions), "pointer": "/disposition"},
        )
    if transition.requires_disposition and disposition is None:
        raise errors.DispositionRequired(
            f"Closing a case needs a disposition: one of {', '.join(lifecycle.dispositions)}.",
            extra={"allowed": list(lifecycle.dispositions), "pointer": "/disposition"},
        )
    return transition, proposes


def dispatch(
    session: Session,
    case: Case,
    *,
    target: S,
    now: datetime,
    policy: sla.Policy,
    disposition: str | None = None,
) -> dict[str, Any]:
    """Apply an allowed transition to a locked case: status, milestones, SLA clocks. Returns extra event data."""
    previous = S(case.status)
    extra: dict[str, Any] = {}
    match (previous, target):
        case (S.new | S.reopened, S.triaged):
            _meet_triage(session, case, now)
        case (S.triaged, S.assigned):
            if case.unit_id is None:
                raise errors.UnitRequired("Assign the case to a unit before moving it to assigned.")
            case.assigned_at = now
        case (S.assigned, S.investigating):
            _meet_first_action(session, case, now)
        case (S.triaged | S.assigned | S.investigating, S.on_hold):
            case.resume_status = previous
            sla.pause(case, now=now)
        case (S.on_hold, S.triaged | S.assigned | S.investigating):
            extra["held_seconds"] = round((now - case.sla_paused_at).total_seconds(), 3) if case.sla_paused_at else 0
            case.resume_status = None
            sla.resume(case, policy, now=now)
        case (S.new | S.triaged | S.assigned | S.investigating, S.closed | S.referred):
            if previous == S.new:
                _meet_triage(session, case, now)  # deciding at intake is the triage
            _meet_first_action(session, case, now)
            case.disposition = disposition or ("referred_out" if target == S.referred else None)
            case.closed_at = now
            case.closure_proposal = None
            extra["disposition"] = case.disposition
        case (S.closed | S.referred, S.reopened):
            extra["previous_disposition"] = case.disposition
            case.disposition = None
            case.closed_at = None
        case _:  # the table and this match are kept in step by tests/cases/test_lifecycle.py
            raise AssertionError(f"no side effects defined for {previous} -> {target}")
    case.status = target
    if target != S.on_hold:
        sla.recompute(case, policy)
    facts.transitioned(case, held_seconds=extra.get("held_seconds"))
    return extra


def _meet_triage(session: Session, case: Case, now: datetime) -> None:
    if case.triaged_at is None:
        sla.settle_before_meeting(session, case, clock="triage", now=now)
        case.triaged_at = now


def _meet_first_action(session: Session, case: Case, now: datetime) -> None:
    if case.first_action_at is None:
        sla.settle_before_meeting(session, case, clock="first_action", now=now)
        case.first_action_at = now
