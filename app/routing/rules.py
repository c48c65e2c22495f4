"""Rules and their evaluation, in Python, for one report at a time (intake) or many (a dry run, answer keys).

A ruleset is an ordered list of rules; each rule has a condition in the filter language over the report fields
(:data:`app.routing.fields.REPORT_FIELDS`; no condition: always) and actions:

- ``route_to_unit`` (``unit``: a unit code): the case goes to that unit;
- ``route_by_jurisdiction`` (``level``: ``covering`` or ``polda``; ``fallback``: a unit code): the case goes to the
  unit covering the report's resolved location (the most specific area first: kecamatan, regency or city,
  province), or with ``polda`` to the Polda that unit belongs to (also when a place split between units of one Polda
  names no kecamatan); when nothing decides (unresolved, abroad, ambiguous, uncovered), to ``fallback``;
- ``suggest_priority`` (``priority``: E, 1, 2, 3);
- ``add_tag`` (``tag``).

Every rule is evaluated, in order. The first matching rule with a routing action decides the unit, and the first
matching rule with a ``suggest_priority`` the priority; later routing and priority actions of matching rules are
recorded but not applied. Tags of every matching rule accumulate (in rule order, without repeats). A routing action
whose unit is missing or retired does not route: evaluation goes on to the next rule.

The explanation of a decision names the ruleset and version, the rule that decided the unit, and for every rule
whether it matched, each condition evaluated with the value it saw, and why a rule did not match or did not apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import ProblemDetailItem
from app.core.filters import AllOf, AnyOf, Check, Condition, Expression, InvalidFilter, Not, dump, explain, parse
from app.core.filters.nodes import json_value
from app.routing.fields import REPORT_FIELDS, ReportSubject
from app.units.jurisdiction import AreaIndex, Resolution, resolve
from app.units.models import Unit
from app.units.templates import CODE_PATTERN

TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$"  # as case tags
MAX_RULES = 100
MAX_ACTIONS = 10


class RouteToUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["route_to_unit"]
    unit: str = Field(pattern=CODE_PATTERN, description="The code of the unit the case goes to.")


class RouteByJurisdiction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["route_by_jurisdiction"]
    level: Literal["covering", "polda"] = Field(
        default="covering",
        description="`covering`: the unit of the most specific area covering the place; `polda`: that unit's Polda.",
    )
    fallback: str = Field(pattern=CODE_PATTERN, description="The unit when no unit is decided by the place.")


class SuggestPriority(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["suggest_priority"]
    priority: Literal["E", "1", "2", "3"]


class AddTag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["add_tag"]
    tag: str = Field(pattern=TAG_PATTERN)


Action = Annotated[RouteToUnit | RouteByJurisdiction | SuggestPriority | AddTag, Field(discriminator="type")]
ROUTING_ACTIONS = (RouteToUnit, RouteByJurisdiction)
MEMO_SIZE = 10_000  # distinct decisions a router keeps


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    condition: dict[str, Any] | None = Field(
        default=None, description="A filter-language expression over the report fields; none: always."
    )
    actions: list[Action] = Field(min_length=1, max_length=MAX_ACTIONS)


class InvalidRuleset(InvalidFilter):
    slug, title = "invalid-ruleset", "Invalid ruleset"


def unit_codes(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    """Every unit a ruleset names, as (pointer, code)."""
    found: list[tuple[str, str]] = []
    for i, rule in enumerate(rules):
        for j, action in enumerate(rule.actions):
            if isinstance(action, RouteToUnit):
                found.append((f"/rules/{i}/actions/{j}/unit", action.unit))
            elif isinstance(action, RouteByJurisdiction):
                found.append((f"/rules/{i}/actions/{j}/fallback", action.fallback))
    return found


def check(rules: Sequence[Rule], units: Mapping[str, Unit], *, active_only: bool) -> list[Expression | None]:
    """Parse every condition and check every unit a rule names; all problems raise one 422 pointing at them."""
    problems: list[ProblemDetailItem] = []
    parsed: list[Expression | None] = []
    for i, rule in enumerate(rules):
        if rule.condition is None:
            parsed.append(None)
            continue
        try:
            parsed.append(parse(rule.condition, REPORT_FIELDS, base=f"/rules/{i}/condition"))
        except InvalidFilter as exc:
            problems += exc.errors or []
            parsed.append(None)
    problems += _unit_problems(rules, units, active_only=active_only)
    if problems:
        raise InvalidRuleset(f"{len(problems)} problem(s) in the ruleset.", errors=problems)
    return parsed


def _unit_problems(rules: Sequence[Rule], units: Mapping[str, Unit], *, active_only: bool) -> list[ProblemDetailItem]:
    problems: list[ProblemDetailItem] = []
    for pointer, code in unit_codes(rules):
        unit = units.get(code)
        if unit is None:
            problems.append(ProblemDetailItem(pointer=pointer, message=f"no unit with code {code!r} in this exercise"))
        elif active_only and unit.retired:
            problems.append(ProblemDetailItem(pointer=pointer, message=f"unit {code!r} is retired"))
    return problems


def check_units(rules: Sequence[Rule], units: Mapping[str, Unit]) -> None:
    """The unit half of :func:`check` (``active_only`` false), for rules whose conditions are known to parse."""
    problems = _unit_problems(rules, units, active_only=False)
    if problems:
        raise InvalidRuleset(f"{len(problems)} problem(s) in the ruleset.", errors=problems)


@dataclass(frozen=True, slots=True)
class Compiled:
    index: int
    rule: Rule
    condition: Expression | None
    shown: tuple[dict[str, Any], ...] = ()  # the actions' JSON form, for explanations

    @classmethod
    def of(cls, index: int, rule: Rule, condition: Expression | None) -> Compiled:
        return cls(index, rule, condition, tuple(a.model_dump() for a in rule.actions))


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    id: uuid.UUID | None
    version: int
    name: str
    rules: tuple[Compiled, ...]


def compile_rules(
    rules: Sequence[Rule],
    units: Mapping[str, Unit],
    *,
    id: uuid.UUID | None = None,
    version: int = 0,
    name: str = "",
) -> CompiledRuleset:
    parsed = check(rules, units, active_only=False)
    return CompiledRuleset(
        id, version, name, tuple(Compiled.of(i, r, c) for i, r, c in zip(range(len(rules)), rules, parsed, strict=True))
    )


@dataclass(slots=True)
class Decision:
    """The outcome of a ruleset for one report."""

    unit: Unit | None = None
    rule: Compiled | None = None
    via: str = "none"  # unit | jurisdiction | polda | fallback | none
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_code(self) -> str | None:
        return self.unit.code if self.unit is not None else None


Place = tuple[str | None, str | None, str | None]


class Match(NamedTuple):
    """One rule's condition for one report: whether it held, and its explanation entry so far."""

    compiled: Compiled
    matched: bool
    entry: dict[str, Any]


Resolver = Callable[[str | None, str | None, str | None], Resolution]


def index_resolver(index: AreaIndex) -> Resolver:
    """Jurisdiction from an exercise's areas held in memory (no query)."""

    def resolver(province: str | None, city: str | None, district: str | None) -> Resolution:
        return resolve(
            None, exercise_id=index.exercise_id, province=province, city=city, district=district, index=index
        )

    return resolver


class Router:
    """A compiled ruleset with the units it names and a jurisdiction resolver (with an :class:`AreaIndex`:
    no query at all). Jurisdiction is resolved once per distinct place."""

    def __init__(
        self, ruleset: CompiledRuleset, units: Mapping[str, Unit], resolver: Resolver, *, memo_size: int = MEMO_SIZE
    ) -> None:
        """``units``: by code, at least those the ruleset names; ``resolver``: jurisdiction of a place; ``memo_size``:
        distinct decisions (and rule matches) kept before the memo starts again."""
        self.ruleset, self.units, self.resolver, self.memo_size = ruleset, units, resolver, memo_size
        self._places: dict[Place, Resolution] = {}
        self._decisions: dict[tuple[Any, ...], Decision] = {}
        self._matches: dict[tuple[Any, ...], tuple[Match, ...]] = {}  # by the values the conditions read
        fields = {c.field.name: c.field for r in ruleset.rules for c in _conditions(r.condition)}
        self._fields = [fields[name] for name in sorted(fields)]  # what the rules read of a report

    def place(self, province: str | None, city: str | None, district: str | None) -> Resolution:
        key = (province, city, district)
        found = self._places.get(key)
        if found is None:
            found = self.resolver(province, city, district)
            self._places[key] = found
        return found

    def _target(
        self, action: RouteToUnit | RouteByJurisdiction, where: Place
    ) -> tuple[Unit | None, str, Resolution | None]:
        if isinstance(action, RouteToUnit):
            return self._active(action.unit), "unit", None
        found = self.place(*where)
        unit: Unit | None = None
        via = "jurisdiction"
        if action.level == "polda":
            unit, via = (found.polda, "polda") if found.unit is not None or found.polda is not None else (None, via)
        elif found.unit is not None:
            unit = found.unit
        if unit is None or unit.retired:
            return self._active(action.fallback), "fallback", found
        return unit, via, found

    def _active(self, code: str) -> Unit | None:
        unit = self.units.get(code)
        return unit if unit is not None and not unit.retired else None

    def route(self, subject: ReportSubject, *, explain_it: bool = True) -> Decision:
        """The decision for one report. Reports that show the rules the same values and place get the same decision:
        it is computed once (a batch of similar reports costs little more than one)."""
        report = subject.report
        where: Place = (
            report.location_province,
            report.location_regency_code or report.location_city,
            report.location_district,
        )
        values = (explain_it, *(_hashable(f.get(subject)) for f in self._fields))
        key = (where, *values)
        known = self._decisions.get(key)
        if known is None:
            if len(self._decisions) >= self.memo_size:
                self._decisions.clear()
            matches = self._matches.get(values)
            if matches is None:
                if len(self._matches) >= self.memo_size:
                    self._matches.clear()
                matches = self._matches[values] = self._match(subject, explain_it)
            known = self._decisions[key] = self._route(matches, where, explain_it)
        return Decision(known.unit, known.rule, known.via, known.priority, list(known.tags), known.explanation)

    def _match(self, subject: ReportSubject, explain_it: bool) -> tuple[Match, ...]:
        """Which rules match, with their explanation entries (the same for every report showing the rules the same
        values, wherever it is)."""
        found: list[Match] = []
        for compiled in self.ruleset.rules:
            checks: list[Check] = []
            if compiled.condition is None:
                matched = True
            else:
                matched, checks = explain(compiled.condition, subject)
            entry: dict[str, Any] = {"index": compiled.index, "name": compiled.rule.name, "matched": matched}
            if explain_it:
                entry["checks"] = [c.as_json() for c in checks]
                if not matched:
                    entry["why"] = _why_not(checks)
            found.append(Match(compiled, matched, entry))
        return tuple(found)

    def _route(self, matches: Sequence[Match], where: Place, explain_it: bool) -> Decision:
        decision = Decision()
        rules_out: list[dict[str, Any]] = []
        routing: dict[str, Any] | None = None
        for compiled, matched, shared in matches:
            rule = compiled.rule
            if not matched:
                rules_out.append(shared)
                continue
            entry = dict(shared)
            applied: list[dict[str, Any]] = []
            skipped: list[dict[str, Any]] = []
            for action, shown in zip(rule.actions, compiled.shown, strict=True):
                if isinstance(action, ROUTING_ACTIONS):
                    if decision.unit is not None:
                        decided = decision.rule.index if decision.rule is not None else "?"
                        skipped.append(
                            {
                                **shown,
                                "why": f"rule {decided} already decided the unit",
                            }
                        )
                        continue
                    unit, via, found = self._target(action, where)
                    if unit is None:
                        skipped.append({**shown, "why": "its unit is missing or retired"})
                        continue
                    decision.unit, decision.rule, decision.via = unit, compiled, via
                    applied.append({**shown, "unit": unit.code} if isinstance(action, RouteByJurisdiction) else shown)
                    routing = {"rule": compiled.index, "action": shown, "via": via, "unit": unit.code}
                    if found is not None:
                        routing["jurisdiction"] = _resolution_json(found, where)
                elif isinstance(action, SuggestPriority):
                    if decision.priority is not None:
                        skipped.append({**shown, "why": "a priority was already suggested by an earlier rule"})
                        continue
                    decision.priority = action.priority
                    applied.append(shown)
                else:
                    if action.tag not in decision.tags:
                        decision.tags.append(action.tag)
                    applied.append(shown)
            if explain_it:
                entry["applied"] = applied
                if skipped:
                    entry["not_applied"] = skipped
            rules_out.append(entry)
        if explain_it:
            rs = self.ruleset
            decision.explanation = {
                "ruleset": {"id": str(rs.id) if rs.id else None, "version": rs.version, "name": rs.name},
                "matched_rule": (
                    {"index": decision.rule.index, "name": decision.rule.rule.name}
                    if decision.rule is not None
                    else None
                ),
                "unit": decision.unit_code,
                "via": decision.via,
                "routing": routing,
                "suggested_priority": decision.priority,
                "tags": list(decision.tags),
                "rules": rules_out,
            }
        return decision

    def target(self, matches: Sequence[bool], where: Place) -> Unit | None:
        """The unit for a report whose rule conditions were evaluated elsewhere (in SQL: a dry run)."""
        for compiled, matched in zip(self.ruleset.rules, matches, strict=True):
            if not matched:
                continue
            for action in compiled.rule.actions:
                if isinstance(action, ROUTING_ACTIONS):
                    unit, _via, _found = self._target(action, where)
                    if unit is not None:
                        return unit
        return None


def _conditions(expression: Expression | None) -> list[Condition]:
    match expression:
        case None:
            return []
        case Condition():
            return [expression]
        case AllOf(items) | AnyOf(items):
            return [c for i in items for c in _conditions(i)]
        case Not(item):
            return _conditions(item)
    raise TypeError(f"not an expression: {expression!r}")


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _why_not(checks: list[Check]) -> str:
    failed = [c for c in checks if not c.result]
    if not checks:
        return "no condition held"
    shown = failed[-1] if failed else checks[-1]
    actual = "missing" if shown.actual is None else repr(_plain(shown.actual))
    value = "" if shown.op == "exists" else f" {_plain(shown.value)!r}"
    if not failed:  # a `not` over conditions that held
        return f"{shown.field} {shown.op}{value} held (saw {actual}), and the rule asks for it not to"
    return f"{shown.field} {shown.op}{value} did not hold (saw {actual})"


def _plain(value: Any) -> Any:
    return json_value(value)


def _resolution_json(found: Resolution, where: Place) -> dict[str, Any]:
    area = found.area
    return {
        "place": {"province": where[0], "city": where[1], "district": where[2]},
        "outcome": str(found.outcome),
        "reason": found.reason,
        "area": (
            {
                "level": str(area.level),
                "province": area.province,
                "regency_code": area.regency_code,
                "district": area.district,
            }
            if area is not None
            else None
        ),
        "covering_unit": found.unit.code if found.unit is not None else None,
        "polda": found.polda.code if found.polda is not None else None,
        "candidates": [o.unit.code for o in found.candidates],
    }


def dump_condition(expression: Expression | None) -> dict[str, Any] | None:
    return dump(expression) if expression is not None else None
