"""The metrics: each one turns a :class:`~app.scoring.facts.Shift` into *outcomes*, one per opportunity (a case
the answer key gives the trainee a chance to get right), each credited to one trainee and saying what the key
expected and what the case shows. Scores are sums over outcomes (``app.scoring.service``). Definitions: docs/scoring.md.

Attribution: the trainee credited for a case on a metric is the actor of the *decisive* event for that metric (the
last trainee to set the priority, the last to change the unit, the one who made the link, the one who triaged it);
when no trainee made that decision, the case's *owner*: the first trainee who acted on it. A case no trainee acted
on is credited to no one: it counts only as an untouched case.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from app.cases.sla import Policy
from app.scoring.facts import CaseEvent, CaseFacts, Link, Shift

EXIGENT_WEIGHT = 3  # a case the key says is exigent (E) weighs three ordinary cases in priority accuracy
ESCALATION_TAG = "escalated"
LINK_KINDS_JOINING = ("duplicate_of", "related")  # links that keep a bundle together
DECONFLICTION_ACTIONS = ("case.merged", "case.merged_into", "case.transferred", "case.referred")
UNIT_EVENTS = ("case.routed", "case.assigned", "case.transferred")

METRICS: dict[str, str] = {
    "priority": "Priority accuracy (exigent cases weighted)",
    "routing": "Routing and transfer accuracy",
    "duplicates": "Duplicates found",
    "bundles": "Bundles kept together",
    "escalations": "Escalations made (and not made)",
    "deconfliction": "Deconflictions acted on",
    "triage_time": "Time to triage within the key's SLA",
    "untouched": "Cases handled (not left untouched)",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    metric: str
    case_id: uuid.UUID
    case_number: int
    actor: str | None  # the credited trainee (for `untouched`: the trainee whose queue held the case)
    ok: bool
    weight: float
    expected: str
    actual: str
    note: str = ""


def _trainee_events(shift: Shift, case: CaseFacts) -> list[CaseEvent]:
    return [e for e in case.events if shift.is_trainee(e.actor)]


def owner(shift: Shift, case: CaseFacts) -> str | None:
    """The first trainee who acted on the case."""
    return next((e.actor for e in case.events if shift.is_trainee(e.actor)), None)


def _last(shift: Shift, case: CaseFacts, match: Callable[[CaseEvent], bool]) -> CaseEvent | None:
    found = [e for e in _trainee_events(shift, case) if match(e)]
    return found[-1] if found else None


def _is_priority(e: CaseEvent) -> bool:
    return e.type == "case.updated" and e.data.get("field") == "priority"


def _is_triage(e: CaseEvent) -> bool:
    return e.type == "case.transitioned" and e.data.get("from") in ("new", "reopened")


def _unit_of(e: CaseEvent) -> uuid.UUID | None:
    """The unit a routing, assignment or transfer event gave the case."""
    if e.type == "case.assigned":
        value = (e.data.get("new") or {}).get("unit_id")
    else:
        value = e.data.get("to_unit_id") or e.data.get("unit_id")
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _changes_unit(e: CaseEvent) -> bool:
    if e.type == "case.assigned":
        return (e.data.get("old") or {}).get("unit_id") != (e.data.get("new") or {}).get("unit_id")
    return e.type in ("case.routed", "case.transferred")


def _escalation_event(e: CaseEvent) -> bool:
    if _is_priority(e):
        return "E" in (e.data.get("old"), e.data.get("new"))
    if e.type == "case.updated" and e.data.get("field") == "tags":
        return (ESCALATION_TAG in (e.data.get("old") or [])) != (ESCALATION_TAG in (e.data.get("new") or []))
    return False


def escalated(case: CaseFacts) -> bool:
    """An escalation in tipdesk: the case is exigent (priority E) or carries the `escalated` tag."""
    return case.priority == "E" or ESCALATION_TAG in case.tags


class _Components:
    """Cases joined by links (union-find)."""

    def __init__(self, links: Iterable[Link]) -> None:
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        for link in links:
            self.join(link.case_id, link.other_id)

    def find(self, x: uuid.UUID) -> uuid.UUID:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            x, self.parent[x] = self.parent.get(x, x), root
        return root

    def join(self, a: uuid.UUID, b: uuid.UUID) -> None:
        self.parent[self.find(a)] = self.find(b)

    def same(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        return self.find(a) == self.find(b)


@dataclass(slots=True)
class Context:
    shift: Shift
    policy: Policy
    duplicate_links: list[Link]
    joining_links: list[Link]
    duplicates: _Components
    joined: _Components
    bundle_anchor: dict[uuid.UUID, uuid.UUID]  # bundle member case -> the bundle's first case (not the first itself)
    duplicate_target: dict[uuid.UUID, uuid.UUID]  # a duplicate case -> the case of the report it repeats

    @classmethod
    def build(cls, shift: Shift, policy: Policy) -> Context:
        dup = [link for link in shift.links if link.kind == "duplicate_of"]
        joining = [link for link in shift.links if link.kind in LINK_KINDS_JOINING]
        members: dict[str, list[CaseFacts]] = {}
        for case in shift.cases.values():
            for bundle in case.expected.bundles:
                members.setdefault(bundle, []).append(case)
        anchors: dict[uuid.UUID, uuid.UUID] = {}
        for cases in members.values():
            first, *rest = sorted(cases, key=lambda c: c.number)
            for case in rest:
                anchors.setdefault(case.id, first.id)
        targets: dict[uuid.UUID, uuid.UUID] = {}
        for case in shift.cases.values():
            repeated = case.expected.duplicate_of_report
            target = shift.case_of_report.get(repeated) if repeated is not None else None
            if target is not None and target != case.id:
                targets[case.id] = target
        return cls(shift, policy, dup, joining, _Components(dup), _Components(joining), anchors, targets)

    def closed_as_duplicate(self, case: CaseFacts) -> bool:
        """Closed (or merged) as a duplicate, rightly: the case it repeats or joins carries the priority and unit."""
        expected_duplicate = case.id in self.duplicate_target or case.id in self.bundle_anchor
        return case.disposition == "duplicate" and expected_duplicate

    def linker(self, case: CaseFacts, links: list[Link], others: set[uuid.UUID]) -> str | None:
        """The trainee who made a link between the case and one of `others` (the first such link), else None."""
        for link in sorted(links, key=lambda lk: lk.created_at):
            pair = {link.case_id, link.other_id}
            if case.id in pair and (pair - {case.id}) & others and self.shift.is_trainee(link.created_by):
                return link.created_by
        return None


def priority(ctx: Context) -> list[Outcome]:
    out = []
    for case in ctx.shift.cases.values():
        if ctx.closed_as_duplicate(case):
            continue
        decisive = _last(ctx.shift, case, _is_priority) or _last(ctx.shift, case, _is_triage)
        actor = decisive.actor if decisive else owner(ctx.shift, case)
        if actor is None:
            continue
        want = case.expected.priority
        weight = EXIGENT_WEIGHT if want == "E" else 1
        note = "exigent case: weight 3" if want == "E" else ""
        if want == "E" and case.priority != "E":
            note = "exigent case missed (weight 3)"
        out.append(
            Outcome(
                "priority",
                case.id,
                case.number,
                actor,
                case.priority == want,
                weight,
                want,
                case.priority or "none",
                note,
            )
        )
    return out


def routing(ctx: Context) -> list[Outcome]:
    shift = ctx.shift
    out = []
    for case in shift.cases.values():
        want = case.expected.unit_id
        if want is None or ctx.closed_as_duplicate(case):
            continue
        moves = [e for e in case.events if e.type in UNIT_EVENTS and _changes_unit(e)]
        decisive = _last(shift, case, lambda e: e.type in UNIT_EVENTS and _changes_unit(e))
        actor = decisive.actor if decisive else owner(shift, case)
        if actor is None:
            continue
        ok = case.unit_id == want
        note = ""
        first_unit = _unit_of(moves[0]) if moves else None
        transferred = any(e.type == "case.transferred" for e in moves)
        if ok and transferred and first_unit != want:
            note = f"first routed to {shift.unit_label(first_unit)}, transferred to the right unit"
        elif not ok and case.unit_id is not None:
            note = "misrouted"
        elif not ok:
            note = "never given a unit"
        out.append(
            Outcome(
                "routing",
                case.id,
                case.number,
                actor,
                ok,
                1,
                shift.unit_label(want),
                shift.unit_label(case.unit_id),
                note,
            )
        )
    return out


def duplicates(ctx: Context) -> list[Outcome]:
    shift = ctx.shift
    out = []
    for case_id, target_id in ctx.duplicate_target.items():
        case, target = shift.cases[case_id], shift.cases[target_id]
        found = ctx.duplicates.same(case_id, target_id)
        component = {c for c in shift.cases if ctx.duplicates.same(c, case_id)} if found else set()
        actor = ctx.linker(case, ctx.duplicate_links, component - {case_id}) if found else None
        actor = actor or owner(shift, case)
        if actor is None:
            continue
        expected = f"duplicate_of case {target.number} (report {case.expected.duplicate_of_report})"
        actual = f"linked to case {target.number}" if found else "not linked as a duplicate"
        out.append(Outcome("duplicates", case_id, case.number, actor, found, 1, expected, actual))
    return out


def bundles(ctx: Context) -> list[Outcome]:
    shift = ctx.shift
    out = []
    for case_id, anchor_id in ctx.bundle_anchor.items():
        case, anchor = shift.cases[case_id], shift.cases[anchor_id]
        found = ctx.joined.same(case_id, anchor_id)
        component = {c for c in shift.cases if ctx.joined.same(c, case_id)} if found else set()
        actor = ctx.linker(case, ctx.joining_links, component - {case_id}) if found else None
        actor = actor or owner(shift, case)
        if actor is None:
            continue
        bundle = case.expected.bundles[0]
        expected = f"joined to case {anchor.number} ({bundle})"
        actual = f"joined to case {anchor.number}" if found else "left apart from its bundle"
        out.append(Outcome("bundles", case_id, case.number, actor, found, 1, expected, actual))
    return out


def escalations(ctx: Context) -> list[Outcome]:
    shift = ctx.shift
    out = []
    for case in shift.cases.values():
        if ctx.closed_as_duplicate(case):
            continue
        should, did = case.expected.should_escalate, escalated(case)
        if not (should or did):
            continue
        decisive = _last(shift, case, _escalation_event) or _last(shift, case, _is_triage)
        actor = decisive.actor if decisive else owner(shift, case)
        if actor is None:
            continue
        note = "" if should == did else ("escalation missed" if should else "escalated without cause")
        out.append(
            Outcome(
                "escalations",
                case.id,
                case.number,
                actor,
                should == did,
                1,
                "escalate" if should else "do not escalate",
                "escalated" if did else "not escalated",
                note,
            )
        )
    return out


def _acts_on_flag(e: CaseEvent) -> bool:
    if e.type == "case.linked":
        return e.data.get("kind") in LINK_KINDS_JOINING
    if e.type == "case.transitioned":
        return e.data.get("to") == "referred"
    return e.type in DECONFLICTION_ACTIONS


def deconfliction(ctx: Context) -> list[Outcome]:
    """Opportunities are deconfliction flags (links of kind `deconfliction`, `case.deconflicted` events): none until
    routing raises them."""
    shift = ctx.shift
    out = []
    for case_id, flagged_at in shift.flags.items():
        case = shift.cases.get(case_id)
        if case is None:
            continue
        acted = next(
            (e for e in _trainee_events(shift, case) if e.at >= flagged_at and _acts_on_flag(e)),
            None,
        )
        actor = acted.actor if acted else owner(shift, case)
        if actor is None:
            continue
        subject = case.expected.subject or "no repeat subject in the key"
        actual = f"{acted.type} at {acted.at.isoformat()}" if acted else "flag not acted on"
        out.append(
            Outcome(
                "deconfliction",
                case_id,
                case.number,
                actor,
                acted is not None,
                1,
                f"act on the flag ({subject})",
                actual,
            )
        )
    return out


def key_triage_due(ctx: Context, case: CaseFacts) -> timedelta:
    minutes = ctx.policy.for_priority(case.expected.priority)["triage_minutes"]
    return timedelta(minutes=minutes, seconds=case.paused_seconds)


def triage_time(ctx: Context) -> list[Outcome]:
    shift = ctx.shift
    out = []
    for case in shift.cases.values():
        due = case.created_at + key_triage_due(ctx, case)
        if case.triaged_at is None and shift.now <= due:
            continue  # not triaged yet, still in time: no verdict
        decisive = next((e for e in _trainee_events(shift, case) if _is_triage(e)), None)
        if decisive is None and case.triaged_at is not None:
            decisive = next(
                (e for e in _trainee_events(shift, case) if e.type == "case.transitioned" and e.at == case.triaged_at),
                None,
            )
        actor = decisive.actor if decisive else owner(shift, case)
        if actor is None:
            continue
        target = (due - case.created_at).total_seconds() / 60
        expected = f"triaged within {target:.0f} min (priority {case.expected.priority}), by {due:%Y-%m-%d %H:%M}"
        if case.triaged_at is None:
            out.append(Outcome("triage_time", case.id, case.number, actor, False, 1, expected, "not triaged"))
            continue
        taken = (case.triaged_at - case.created_at).total_seconds() / 60
        ok = case.triaged_at <= due
        actual = f"triaged after {taken:.0f} min"
        out.append(
            Outcome(
                "triage_time",
                case.id,
                case.number,
                actor,
                ok,
                1,
                expected,
                actual,
                "" if ok else "late against the key's SLA",
            )
        )
    return out


def touched(shift: Shift, case: CaseFacts) -> bool:
    return owner(shift, case) is not None


def untouched(ctx: Context, scopes: dict[str, set[uuid.UUID]]) -> list[Outcome]:
    """One outcome per trainee and keyed case in that trainee's queue (the cases they may see), and one with no
    actor per keyed case for the cohort."""
    shift = ctx.shift
    out = []
    for case in shift.cases.values():
        ok = touched(shift, case)
        actual = "handled" if ok else "no trainee acted on it"
        out.append(Outcome("untouched", case.id, case.number, None, ok, 1, "handled", actual))
        for actor, scope in scopes.items():
            if case.id in scope:
                out.append(Outcome("untouched", case.id, case.number, actor, ok, 1, "handled", actual))
    return out


def evaluate(shift: Shift, policy: Policy, scopes: dict[str, set[uuid.UUID]]) -> list[Outcome]:
    ctx = Context.build(shift, policy)
    return [
        *priority(ctx),
        *routing(ctx),
        *duplicates(ctx),
        *bundles(ctx),
        *escalations(ctx),
        *deconfliction(ctx),
        *triage_time(ctx),
        *untouched(ctx, scopes),
    ]
