"""Rulesets (drafts, activation), routing new cases on intake, the routing record of a case, dry runs, and
deconfliction of new cases against cases of other units.

Routing on intake (``app.reports.intake``) uses the router of the exercise's set-up copy (``app.reports.setup``:
:func:`indexed_router` over the active ruleset and the units and areas held in memory), evaluates each new case's
report in Python (:meth:`Router.route`), and the intake writes
the decisions (:func:`decision_row`) with its other rows, in the same transaction. A dry run (:func:`simulate`)
evaluates the rules' conditions in SQL over every case's first report instead, then decides each case's unit in
Python from those answers and the jurisdiction held in memory.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Boolean, Select, String, Uuid, bindparam, delete, func, literal, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from app.auth.principal import ExerciseContext
from app.cases import errors as case_errors
from app.cases import service as cases_service
from app.cases import sla
from app.cases.models import NO_PRIORITY_RANK, PRIORITY_RANK, Case, CaseStatus, Priority
from app.core.errors import ProblemDetailItem
from app.core.filters import Expression, to_sql
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.db.bulk import Writes
from app.db.direct import Direct, text_array
from app.events import service as events_service
from app.exercises.models import Exercise
from app.reports import indicators as indicators_module
from app.reports.models import Indicator, Report
from app.routing import errors
from app.routing.explanations import Explanations
from app.routing.fields import ReportSubject
from app.routing.models import Deconfliction, RoutingDecision, RoutingExplanation, Ruleset, RulesetStatus
from app.routing.rules import (
    MEMO_SIZE,
    CompiledRuleset,
    Decision,
    Router,
    Rule,
    check,
    check_units,
    compile_rules,
    index_resolver,
    unit_codes,
)
from app.routing.schemas import RulesetCreate, RulesetUpdate
from app.units.jurisdiction import AreaIndex, Resolution, resolve
from app.units.models import Unit

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
DECONFLICTING_KINDS = ("esp_user_id", "email", "screen_name", "phone", "md5", "sha1")
SAMPLES = 5  # case ids shown per move of a dry run
MAX_LINKS_PER_INDICATOR = 10  # other cases linked per shared indicator (the earliest): bounds viral file hashes
INDEX_FROM = 8  # new cases in one intake batch from which the exercise's areas are read into memory


# --- the default ruleset -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DefaultRuleset:
    name: str
    version: int
    description: str
    rules: list[Rule]


@lru_cache
def default_ruleset(template: str) -> DefaultRuleset | None:
    """The default ruleset shipped with an organisation template, if it has one."""
    path = DEFAULTS_DIR / f"{template}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = [Rule.model_validate(r) for r in data["rules"]]
    return DefaultRuleset(data["name"], int(data["version"]), data.get("description", ""), rules)


def install_default(
    session: Session, *, exercise_id: uuid.UUID, template: str, actor: str, at: datetime
) -> Ruleset | None:
    """Give a new exercise its template's default ruleset, active, as version 1 (with its ``ruleset.activated``
    event). Nothing for a template without one."""
    default = default_ruleset(template)
    if default is None:
        return None
    units = _units_by_code(session, exercise_id)
    check(default.rules, units, active_only=True)  # the template and its ruleset are shipped together
    ruleset = Ruleset(
        exercise_id=exercise_id,
        version=1,
        name=default.name,
        description=default.description,
        status=RulesetStatus.active,
        rules=[r.model_dump(mode="json", exclude_none=True) for r in default.rules],
        based_on=None,
        created_by=actor,
        created_at=at,
        updated_at=at,
        activated_at=at,
    )
    session.add(ruleset)
    session.flush()
    events_service.append(
        session,
        exercise_id=exercise_id,
        at=at,
        actor=actor,
        type="ruleset.activated",
        subject_type="ruleset",
        subject_id=ruleset.id,
        data={"version": 1, "name": ruleset.name, "previous": None, "default_of": template},
    )
    return ruleset


# --- rulesets ------------------------------------------------------------------------------------------------------


def _units_by_code(session: Session, exercise_id: uuid.UUID) -> dict[str, Unit]:
    return {u.code: u for u in session.scalars(select(Unit).where(Unit.exercise_id == exercise_id))}


def rules_of(ruleset: Ruleset) -> list[Rule]:
    return [Rule.model_validate(r) for r in ruleset.rules]


def list_rulesets(
    session: Session, *, exercise_id: uuid.UUID, params: PageParams, status: RulesetStatus | None = None
) -> tuple[list[Ruleset], str | None, int | None]:
    stmt = select(Ruleset).where(Ruleset.exercise_id == exercise_id)
    if status is not None:
        stmt = stmt.where(Ruleset.status == status)
    return paginate(session, stmt, keys=[Ruleset.version], params=params)


def get_ruleset(session: Session, *, exercise_id: uuid.UUID, ruleset_id: uuid.UUID, lock: bool = False) -> Ruleset:
    stmt = select(Ruleset).where(Ruleset.id == ruleset_id, Ruleset.exercise_id == exercise_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise errors.RulesetNotFound("No ruleset with that id in this exercise.")
    return found


def active_ruleset(session: Session, *, exercise_id: uuid.UUID) -> Ruleset | None:
    return session.scalar(_ACTIVE_RULESET, {"exercise_id": exercise_id})


_ACTIVE_RULESET = select(Ruleset).where(
    Ruleset.exercise_id == bindparam("exercise_id", type_=Uuid()), Ruleset.status == RulesetStatus.active
)


def _record(session: Session, ctx: ExerciseContext, ruleset: Ruleset, type: str, data: dict[str, Any]) -> None:
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=ctx.now(),
        actor=ctx.actor,
        type=type,
        subject_type="ruleset",
        subject_id=ruleset.id,
        data={"version": ruleset.version, **data},
    )


def create_draft(session: Session, *, ctx: ExerciseContext, data: RulesetCreate) -> Ruleset:
    """A new draft: the rules given, or a copy of the version named by ``based_on``."""
    exercise_id = ctx.exercise.id
    base: Ruleset | None = None
    if data.based_on is not None:
        base = session.scalar(
            select(Ruleset).where(Ruleset.exercise_id == exercise_id, Ruleset.version == data.based_on)
        )
        if base is None:
            raise errors.InvalidRuleset(
                f"No ruleset version {data.based_on} in this exercise.",
                errors=[_item("/based_on", f"no ruleset version {data.based_on}")],
            )
    rules = data.rules if data.rules is not None else (rules_of(base) if base is not None else [])
    check(rules, _units_by_code(session, exercise_id), active_only=False)
    # versions are numbered under the exercise's row lock, like every per-exercise counter
    _lock_exercise(session, exercise_id)
    version = (session.scalar(select(func.max(Ruleset.version)).where(Ruleset.exercise_id == exercise_id)) or 0) + 1
    at = ctx.now()
    ruleset = Ruleset(
        exercise_id=exercise_id,
        version=version,
        name=data.name or (base.name if base is not None else f"Ruleset {version}"),
        description=data.description if data.description is not None else (base.description if base else None),
        status=RulesetStatus.draft,
        rules=[r.model_dump(mode="json", exclude_none=True) for r in rules],
        based_on=base.version if base is not None else None,
        created_by=ctx.actor,
        created_at=at,
        updated_at=at,
    )
    session.add(ruleset)
    session.flush()
    _record(
        session,
        ctx,
        ruleset,
        "ruleset.created",
        {"name": ruleset.name, "based_on": ruleset.based_on, "rules": len(rules)},
    )
    return ruleset


def _lock_exercise(session: Session, exercise_id: uuid.UUID) -> None:
    session.scalar(select(Exercise.id).where(Exercise.id == exercise_id).with_for_update())


def _item(pointer: str, message: str) -> ProblemDetailItem:
    return ProblemDetailItem(pointer=pointer, message=message)


def _draft(session: Session, ctx: ExerciseContext, ruleset_id: uuid.UUID) -> Ruleset:
    ruleset = get_ruleset(session, exercise_id=ctx.exercise.id, ruleset_id=ruleset_id, lock=True)
    if ruleset.status != RulesetStatus.draft:
        raise errors.RulesetNotDraft(
            f"Ruleset version {ruleset.version} is {ruleset.status}; copy it into a new draft."
        )
    return ruleset


def update_draft(session: Session, *, ctx: ExerciseContext, ruleset_id: uuid.UUID, data: RulesetUpdate) -> Ruleset:
    ruleset = _draft(session, ctx, ruleset_id)
    fields = data.model_dump(exclude_unset=True)
    changed: list[str] = []
    if data.rules is not None:
        check(data.rules, _units_by_code(session, ctx.exercise.id), active_only=False)
        ruleset.rules = [r.model_dump(mode="json", exclude_none=True) for r in data.rules]
        changed.append("rules")
    if fields.get("name") is not None:
        ruleset.name = fields["name"]
        changed.append("name")
    if "description" in fields:
        ruleset.description = fields["description"]
        changed.append("description")
    if changed:
        ruleset.updated_at = ctx.now()
        _record(session, ctx, ruleset, "ruleset.updated", {"fields": changed})
    return ruleset


def delete_draft(session: Session, *, ctx: ExerciseContext, ruleset_id: uuid.UUID) -> None:
    ruleset = _draft(session, ctx, ruleset_id)
    _record(session, ctx, ruleset, "ruleset.deleted", {"name": ruleset.name})
    session.execute(delete(Ruleset).where(Ruleset.id == ruleset.id))


def activate(session: Session, *, ctx: ExerciseContext, ruleset_id: uuid.UUID) -> Ruleset:
    """Make a draft the active ruleset (the active one, if any, is superseded): from now on it routes new cases.
    Its rules are checked again, and every unit they name must exist and be active."""
    ruleset = _draft(session, ctx, ruleset_id)
    check(rules_of(ruleset), _units_by_code(session, ctx.exercise.id), active_only=True)
    at = ctx.now()
    previous = active_ruleset(session, exercise_id=ctx.exercise.id)
    if previous is not None:
        previous.status, previous.superseded_at, previous.updated_at = RulesetStatus.superseded, at, at
        session.flush()  # one active ruleset at a time: the old one steps down first
    ruleset.status, ruleset.activated_at, ruleset.updated_at = RulesetStatus.active, at, at
    session.flush()
    _record(
        session,
        ctx,
        ruleset,
        "ruleset.activated",
        {"name": ruleset.name, "previous": previous.version if previous is not None else None},
    )
    return ruleset


def compiled(ruleset: Ruleset, units: Mapping[str, Unit]) -> CompiledRuleset:
    return compile_rules(rules_of(ruleset), units, id=ruleset.id, version=ruleset.version, name=ruleset.name)


_ACTIVE: dict[tuple[uuid.UUID, int, datetime], CompiledRuleset] = {}  # active rulesets, compiled once per process
ACTIVE_CACHE_SIZE = 256


def _active_key(ruleset: Ruleset) -> tuple[uuid.UUID, int, datetime] | None:
    """The key an active ruleset is compiled under in :data:`_ACTIVE` (None for a draft, whose rules may change)."""
    return (ruleset.id, ruleset.version, ruleset.updated_at) if ruleset.status == RulesetStatus.active else None


def compiled_active(ruleset: Ruleset, units: Mapping[str, Unit]) -> CompiledRuleset:
    """:func:`compiled` for an active ruleset, whose rules no longer change: parsed once per version and process,
    its units checked each time (they may have changed). A draft is compiled each time."""
    key = _active_key(ruleset)
    if key is None:
        return compiled(ruleset, units)
    found = _ACTIVE.get(key)
    if found is None:
        found = compiled(ruleset, units)
        if len(_ACTIVE) >= ACTIVE_CACHE_SIZE:
            _ACTIVE.clear()
        _ACTIVE[key] = found
    else:
        check_units([c.rule for c in found.rules], units)
    return found


def indexed_router(ruleset: Ruleset, index: AreaIndex, *, memo_size: int = MEMO_SIZE) -> Router:
    return Router(compiled_active(ruleset, index.by_code), index.by_code, index_resolver(index), memo_size=memo_size)


# --- routing on intake ---------------------------------------------------------------------------------------------


def router_for(session: Session, *, exercise_id: uuid.UUID, cases: int = 1) -> Router | None:
    """The active ruleset, compiled, ready to route ``cases`` new cases; None when no ruleset is active. From
    :data:`INDEX_FROM` cases on, the exercise's units and areas are read once (no query per report); below, the
    units the rules name are read and each distinct place is resolved with one query."""
    active = active_ruleset(session, exercise_id=exercise_id)
    if active is None:
        return None
    if cases >= INDEX_FROM:
        return indexed_router(active, AreaIndex.load(session, exercise_id=exercise_id))
    codes = [code for _pointer, code in unit_codes(_rules_of_active(active))]
    units = {
        u.code: u for u in session.scalars(select(Unit).where(Unit.exercise_id == exercise_id, Unit.code.in_(codes)))
    }

    def resolver(province: str | None, city: str | None, district: str | None) -> Resolution:
        return resolve(session, exercise_id=exercise_id, province=province, city=city, district=district)

    return Router(compiled_active(active, units), units, resolver)


def _rules_of_active(ruleset: Ruleset) -> list[Rule]:
    """The ruleset's rules, from its compiled form when that is cached (parsing them again is the cost it saves)."""
    key = _active_key(ruleset)
    found = _ACTIVE.get(key) if key is not None else None
    return [c.rule for c in found.rules] if found is not None else rules_of(ruleset)


def subject(report: dict[str, Any], case: dict[str, Any] | None, unit: Unit | None = None) -> ReportSubject:
    """A report and its case given as rows (dicts of column values), as the filter language reads them."""
    return ReportSubject(
        cast(Report, SimpleNamespace(**report)),
        cast(Case, SimpleNamespace(**case)) if case is not None else None,
        unit,
    )


def new_case_state(*, urgent: bool) -> dict[str, Any]:
    """What a case being opened looks like to a rule (``build_case`` sets the same)."""
    return {"status": CaseStatus.new, "priority": "E" if urgent else None, "unit_id": None, "tags": []}


def decision_row(
    decision: Decision,
    *,
    router: Router,
    explanations: Explanations,
    exercise_id: uuid.UUID,
    case_id: uuid.UUID,
    report_id: uuid.UUID | None,
    seq: int,
    reason: str,
    actor: str,
    at: datetime,
) -> dict[str, Any]:
    rs = router.ruleset
    return {
        "id": new_id(),
        "exercise_id": exercise_id,
        "case_id": case_id,
        "seq": seq,
        "report_id": report_id,
        "ruleset_id": rs.id,
        "ruleset_version": rs.version,
        "rule_index": decision.rule.index if decision.rule is not None else None,
        "rule_name": decision.rule.rule.name if decision.rule is not None else None,
        "unit_id": decision.unit.id if decision.unit is not None else None,
        "unit_code": decision.unit_code,
        "via": decision.via,
        "suggested_priority": decision.priority,
        "tags": list(decision.tags),
        "explanation_id": explanations.id_of(decision.explanation),
        "reason": reason,
        "decided_by": actor,
        "decided_at": at,
    }


def routed_event(row: dict[str, Any], *, actor: str) -> events_service.Draft:
    return events_service.Draft(
        at=row["decided_at"],
        actor=actor,
        type="case.routed",
        subject_type="case",
        subject_id=row["case_id"],
        data={
            "decision_id": row["id"],
            "seq": row["seq"],
            "reason": row["reason"],
            "ruleset_id": row["ruleset_id"],
            "ruleset_version": row["ruleset_version"],
            "rule_index": row["rule_index"],
            "rule_name": row["rule_name"],
            "unit_id": row["unit_id"],
            "unit_code": row["unit_code"],
            "via": row["via"],
            "suggested_priority": row["suggested_priority"],
            "tags": row["tags"],
        },
    )


# --- the routing record of a case ----------------------------------------------------------------------------------


def decisions_of(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID) -> tuple[Case, list[RoutingDecision]]:
    """A visible case and its decisions, latest first (404 for a case outside the caller's view)."""
    case = cases_service.get(session, ctx=ctx, case_id=case_id)
    rows = list(
        session.scalars(
            select(RoutingDecision)
            .where(RoutingDecision.case_id == case.id, RoutingDecision.exercise_id == ctx.exercise.id)
            .options(joinedload(RoutingDecision.explanation_ref))
            .order_by(RoutingDecision.seq.desc())
        )
    )
    return case, rows


def first_reports(exercise_id: uuid.UUID) -> Any:
    """Each case's first report (the one that opened it), as a subquery of (case_id, number)."""
    return (
        select(Report.case_id.label("case_id"), func.min(Report.number).label("number"))
        .where(Report.exercise_id == exercise_id, Report.case_id.is_not(None))
        .group_by(Report.case_id)
        .subquery()
    )


def reroute(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, if_match: str | None) -> RoutingDecision:
    """Route a case again with the active ruleset (its first report, the case as it is now). The case moves to the
    unit decided (none: it stays), takes the tags and, without one, the suggested priority; the earlier decisions
    stay in its record."""
    case = cases_service.lock(session, ctx=ctx, case_id=case_id, if_match=if_match)
    if case.status in cases_service.TERMINAL:
        raise case_errors.CaseClosed(f"The case is {case.status}; reopen it before routing it again.")
    router = router_for(session, exercise_id=ctx.exercise.id)
    if router is None:
        raise errors.NoActiveRuleset("Activate a ruleset before routing cases again.")
    firsts = first_reports(ctx.exercise.id)
    report = session.scalar(
        select(Report)
        .join(firsts, (firsts.c.case_id == Report.case_id) & (firsts.c.number == Report.number))
        .where(Report.exercise_id == ctx.exercise.id, Report.case_id == case.id)
    )
    if report is None:
        raise errors.NoActiveRuleset("The case has no report to route by.")
    unit = session.get(Unit, case.unit_id) if case.unit_id is not None else None
    decision = router.route(ReportSubject(report, case, unit))
    seq = (session.scalar(select(func.max(RoutingDecision.seq)).where(RoutingDecision.case_id == case.id)) or 0) + 1
    at = ctx.now()
    explanations = Explanations(ctx.exercise.id)
    row = decision_row(
        decision,
        router=router,
        explanations=explanations,
        exercise_id=ctx.exercise.id,
        case_id=case.id,
        report_id=report.id,
        seq=seq,
        reason="reroute",
        actor=ctx.actor,
        at=at,
    )
    if decision.unit is not None:
        case.unit_id = decision.unit.id
    case.tags = list(dict.fromkeys([*case.tags, *decision.tags]))
    if case.priority is None and decision.priority is not None:
        case.priority = decision.priority
        case.priority_rank = PRIORITY_RANK.get(Priority(decision.priority), NO_PRIORITY_RANK)
        sla.recompute(case, sla.policy_for(session, exercise_id=case.exercise_id))
    cases_service.touch(case, at)
    writes = Writes(session)
    writes.insert_new(RoutingExplanation, list(explanations.rows.values()))
    writes.send()
    stored = RoutingDecision(**row)
    stored.explanation_ref = session.get_one(RoutingExplanation, row["explanation_id"])
    session.add(stored)
    session.flush()
    events_service.append_many(session, exercise_id=ctx.exercise.id, drafts=[routed_event(row, actor=ctx.actor)])
    return stored


# --- dry run -------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Move:
    from_unit: Unit | None
    to_unit: Unit | None
    count: int = 0
    samples: list[uuid.UUID] = field(default_factory=list)


@dataclass(slots=True)
class Simulation:
    ruleset: Ruleset
    baseline: str  # active_ruleset | current_unit
    baseline_version: int | None
    cases: int
    by_unit: list[tuple[Unit | None, int]]
    moves: list[Move]
    elapsed_ms: float

    @property
    def moved(self) -> int:
        return sum(m.count for m in self.moves if m.from_unit is not m.to_unit)


def _conditions(ruleset: CompiledRuleset) -> list[Any]:
    return [
        to_sql(c.condition).label(f"r{c.index}")
        if c.condition is not None
        else literal(True, Boolean).label(f"r{c.index}")
        for c in ruleset.rules
    ]


def simulate(session: Session, *, ctx: ExerciseContext, ruleset_id: uuid.UUID, where: Expression | None) -> Simulation:
    """Where a ruleset would send every case of the exercise (its first report; ``where``: only the cases whose
    first report matches), and the moves versus the active ruleset (versus each case's current unit when no ruleset
    is active). Conditions are evaluated in SQL, one row per case; units are decided in Python."""
    started = time.perf_counter()
    exercise_id = ctx.exercise.id
    ruleset = get_ruleset(session, exercise_id=exercise_id, ruleset_id=ruleset_id)
    index = AreaIndex.load(session, exercise_id=exercise_id)
    draft = indexed_router(ruleset, index)
    active = active_ruleset(session, exercise_id=exercise_id)
    base = indexed_router(active, index) if active is not None else None
    firsts = first_reports(exercise_id)
    draft_cols = _conditions(draft.ruleset)
    base_cols = [c.label(f"b{i}") for i, c in enumerate(_conditions(base.ruleset))] if base is not None else []
    stmt = (
        select(
            Case.id,
            Case.unit_id,
            Report.location_province,
            Report.location_regency_code,
            Report.location_city,
            Report.location_district,
            *draft_cols,
            *base_cols,
        )
        .select_from(Report)
        .join(firsts, (firsts.c.case_id == Report.case_id) & (firsts.c.number == Report.number))
        .join(Case, Case.id == Report.case_id)
        .where(Report.exercise_id == exercise_id, Case.exercise_id == exercise_id)
    )
    if where is not None:
        stmt = stmt.where(to_sql(where))
    n_draft = len(draft_cols)
    by_unit: Counter[uuid.UUID | None] = Counter()
    moves: dict[tuple[uuid.UUID | None, uuid.UUID | None], Move] = {}
    memo: dict[tuple[Any, ...], tuple[Unit | None, Unit | None]] = {}
    units = index.units
    total = 0
    for row in session.execute(stmt.execution_options(yield_per=5000)):
        total += 1
        case_id, current = row[0], row[1]
        where_ = (row[2], row[3] or row[4], row[5])
        flags = tuple(bool(v) for v in row[6:])
        key = (where_, flags)
        found = memo.get(key)
        if found is None:
            to_unit = draft.target(flags[:n_draft], where_)
            from_unit = base.target(flags[n_draft:], where_) if base is not None else None
            found = memo[key] = (from_unit, to_unit)
        from_unit, to_unit = found
        if base is None:
            from_unit = units.get(current) if current is not None else None
        to_id = to_unit.id if to_unit is not None else None
        by_unit[to_id] += 1
        pair = (from_unit.id if from_unit is not None else None, to_id)
        move = moves.get(pair)
        if move is None:
            move = moves[pair] = Move(from_unit, to_unit)
        move.count += 1
        if len(move.samples) < SAMPLES:
            move.samples.append(case_id)
    ordered = sorted(moves.values(), key=lambda m: (-m.count, _code(m.from_unit), _code(m.to_unit)))
    counted = sorted(by_unit.items(), key=lambda kv: (-kv[1], _code(units.get(kv[0]) if kv[0] else None)))
    return Simulation(
        ruleset=ruleset,
        baseline="active_ruleset" if base is not None else "current_unit",
        baseline_version=active.version if active is not None else None,
        cases=total,
        by_unit=[(units.get(k) if k is not None else None, v) for k, v in counted],
        moves=ordered,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _code(unit: Unit | None) -> str:
    return unit.code if unit is not None else ""


# --- deconfliction -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Holding:
    """A report of an intake batch, with the case it belongs to and that case's unit."""

    case_id: uuid.UUID
    case_number: int
    unit_id: uuid.UUID | None
    new: bool  # the case is opened by this batch
    found: Sequence[indicators_module.Indicator]
    arrives_at: datetime | None = None  # a report scheduled to arrive later: its events are held until then


IndicatorKey = tuple[str, str, str]  # kind, scope, value
Held = tuple[uuid.UUID, int, uuid.UUID | None]  # a case: id, number, unit


def deconflict(
    session: Session, *, exercise_id: uuid.UUID, holdings: Sequence[Holding], at: datetime, actor: str
) -> tuple[list[dict[str, Any]], list[events_service.Draft], list[events_service.Draft]]:
    """Deconfliction rows (both directions) and events (one per case and other case) for the new cases of a batch
    that share an indicator with a case held by a different unit, stored earlier or opened in the same batch. To
    be written after the batch's cases. The events come in two lists: now, and held until the later of the two
    cases arrives (reports scheduled to arrive later)."""
    wanted: dict[str, set[str]] = defaultdict(set)  # value hash -> kinds, for the stored indicators of new cases
    hashes: dict[IndicatorKey, str] = {}
    for h in holdings:
        if h.new:
            for i in h.found:
                if i.kind in DECONFLICTING_KINDS:
                    key = (i.kind, i.scope, i.value)
                    hashes[key] = hashes.get(key) or _hash(i.value)
                    wanted[hashes[key]].add(i.kind)
    if not wanted:
        return [], [], []
    earlier: dict[IndicatorKey, dict[Held, None]] = defaultdict(dict)  # ordered sets
    for kind, scope, value, cid, number, unit_id in _holders(session, exercise_id, wanted):
        earlier[(kind, scope, value)][(cid, number, unit_id)] = None
    pairs: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    rows_out: list[dict[str, Any]] = []
    seen: set[tuple[uuid.UUID, uuid.UUID, str, str, str]] = set()

    def link(a: Held, b: Held, key: IndicatorKey) -> bool:
        if a[0] == b[0] or a[2] is None or b[2] is None or a[2] == b[2]:
            return False
        added = False
        for here, there in ((a, b), (b, a)):
            mark = (here[0], there[0], *key)
            if mark in seen:
                continue
            seen.add(mark)
            added = True
            rows_out.append(
                {
                    "id": new_id(),
                    "exercise_id": exercise_id,
                    "case_id": here[0],
                    "other_id": there[0],
                    "kind": key[0],
                    "scope": key[1],
                    "value": key[2],
                    "value_hash": hashes.get(key) or _hash(key[2]),
                    "unit_id": here[2],
                    "other_unit_id": there[2],
                    "created_at": at,
                }
            )
            pair = pairs.setdefault(
                (here[0], there[0]),
                {
                    "other_id": there[0],
                    "other_number": there[1],
                    "unit_id": here[2],
                    "other_unit_id": there[2],
                    "indicators": [],
                },
            )
            pair["indicators"].append({"kind": key[0], "scope": key[1], "value": key[2]})
        return added

    in_batch: dict[IndicatorKey, dict[Held, bool]] = defaultdict(dict)  # ordered: case -> opened by this batch
    for h in holdings:
        me: Held = (h.case_id, h.case_number, h.unit_id)
        for i in h.found:
            if i.kind not in DECONFLICTING_KINDS:
                continue
            key = (i.kind, i.scope, i.value)
            linked = 0
            candidates = [*(earlier.get(key, {}) if h.new else ()), *in_batch[key]]
            for other in candidates:
                if linked >= MAX_LINKS_PER_INDICATOR:
                    break
                if (h.new or in_batch[key].get(other, False)) and link(me, other, key):
                    linked += 1
            in_batch[key][me] = in_batch[key].get(me, False) or h.new
    arrival = {h.case_id: h.arrives_at for h in holdings if h.arrives_at is not None}
    drafts: list[events_service.Draft] = []
    held: list[events_service.Draft] = []
    for (case_id, other_id), data in pairs.items():
        later = max((t for t in (arrival.get(case_id), arrival.get(other_id)) if t is not None), default=None)
        event = events_service.Draft(later or at, actor, "case.deconflicted", "case", case_id, data)
        (held if later is not None else drafts).append(event)
    return rows_out, drafts, held


def _holders(session: Session, exercise_id: uuid.UUID, wanted: dict[str, set[str]]) -> Iterator[Any]:
    """(kind, scope, value, case id, case number, case unit) of the stored indicators with these value hashes and
    kinds. On PostgreSQL one index probe per (kind, hash) pair (exercise, kind, value hash: the whole index key),
    whatever the statistics say: a plan that scans the exercise's indicators would grow with the exercise."""
    if session.get_bind().dialect.name == "postgresql":
        pairs = sorted((k, h) for h, kinds in wanted.items() for k in kinds)
        yield from _HOLDERS_BY_PAIR.rows(
            session,
            {
                "exercise_id": exercise_id,
                "kinds": text_array([k for k, _h in pairs]),
                "hashes": text_array([h for _k, h in pairs]),
            },
        )
        return
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        yield from session.execute(
            select(Indicator.kind, Indicator.scope, Indicator.value, Case.id, Case.number, Case.unit_id)
            .join(Report, Report.id == Indicator.report_id)
            .join(Case, Case.id == Report.case_id)
            .where(
                Indicator.exercise_id == exercise_id,
                Indicator.value_hash.in_(ordered[start : start + 500]),
                Indicator.kind.in_(DECONFLICTING_KINDS),
            )
        )


def _holders_by_pair() -> Select[Any]:
    """PostgreSQL: the stored holders of (kind, value hash) pairs given as two arrays, one lateral index probe per
    pair. Built once; every intake batch runs it (straight through the driver: ``app.db.direct``)."""
    w = (
        func.unnest(
            bindparam("kinds", type_=postgresql.ARRAY(String)), bindparam("hashes", type_=postgresql.ARRAY(String))
        )
        .table_valued("kind", "value_hash")
        .render_derived(name="w", with_types=False)
    )
    found = (
        select(Indicator.kind, Indicator.scope, Indicator.value, Indicator.report_id)
        .where(
            Indicator.exercise_id == bindparam("exercise_id", type_=Uuid()),
            Indicator.kind == w.c.kind,
            Indicator.value_hash == w.c.value_hash,
        )
        .offset(0)  # kept a subquery run per pair, so it is always an index lookup
        .lateral("found")
    )
    return (
        select(found.c.kind, found.c.scope, found.c.value, Case.id, Case.number, Case.unit_id)
        .select_from(w)
        .join(found, true())
        .join(Report, Report.id == found.c.report_id)
        .join(Case, Case.id == Report.case_id)
        .order_by(Case.number)
    )


_HOLDERS_BY_PAIR = Direct(_holders_by_pair(), generic_plan=True)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def deconfliction_of(
    session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID
) -> list[tuple[Deconfliction, Case, Unit | None]]:
    """A visible case's deconfliction links with the other case and the unit holding it now."""
    case = cases_service.get(session, ctx=ctx, case_id=case_id)
    rows = session.execute(
        select(Deconfliction, Case, Unit)
        .join(Case, Case.id == Deconfliction.other_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Deconfliction.case_id == case.id, Deconfliction.exercise_id == ctx.exercise.id)
        .order_by(Case.number, Deconfliction.kind, Deconfliction.value)
    ).all()
    return [(d, c, u) for d, c, u in rows]
