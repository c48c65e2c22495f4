from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.schemas import Rfc3339
from app.routing.models import RulesetStatus
from app.routing.rules import MAX_RULES, Rule


class RulesetCreate(BaseModel):
    """A new draft: ``rules`` given, or copied from the version named by ``based_on`` (``rules`` then replaces
    them if also given)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    based_on: int | None = Field(default=None, ge=1, le=2**31 - 1, description="Copy the rules of this version.")
    rules: list[Rule] | None = Field(default=None, max_length=MAX_RULES)


class RulesetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    rules: list[Rule] | None = Field(default=None, max_length=MAX_RULES, description="Replaces every rule.")


class RulesetSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    name: str
    status: RulesetStatus
    based_on: int | None
    created_by: str
    created_at: Rfc3339
    updated_at: Rfc3339
    activated_at: Rfc3339 | None
    superseded_at: Rfc3339 | None


class RulesetRead(RulesetSummary):
    description: str | None
    rules: list[Rule]


class UnitRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str


class RoutingDecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int = Field(description="1 for the routing on intake, then one more per re-routing.")
    reason: str = Field(description="`intake` or `reroute`.")
    report_id: uuid.UUID | None
    ruleset_id: uuid.UUID | None
    ruleset_version: int
    rule_index: int | None = Field(description="The rule whose routing action decided the unit.")
    rule_name: str | None
    unit_id: uuid.UUID | None
    unit_code: str | None
    via: str = Field(description="`unit`, `jurisdiction`, `polda`, `fallback`, or `none` (no rule routed the case).")
    suggested_priority: str | None
    tags: list[str]
    explanation: dict[str, Any] = Field(
        description="The ruleset, the matched rule, the jurisdiction lookup, and for every rule whether it matched, "
        "each condition with the value it saw (`checks`), the actions applied, and why a rule did not match (`why`)."
    )
    decided_by: str
    decided_at: Rfc3339


class CaseRouting(BaseModel):
    case_id: uuid.UUID
    unit_id: uuid.UUID | None = Field(description="The unit holding the case now.")
    current: RoutingDecisionRead | None = Field(description="The latest decision; none for a case never routed.")
    history: list[RoutingDecisionRead] = Field(description="Every decision, latest first.")


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: dict[str, Any] | None = Field(
        default=None, description="Only the cases whose first report matches this filter-language expression."
    )


class UnitCount(BaseModel):
    unit: UnitRef | None = Field(description="None: no rule routes these cases.")
    count: int


class MoveRead(BaseModel):
    from_unit: UnitRef | None
    to_unit: UnitRef | None
    count: int
    sample_case_ids: list[uuid.UUID]


class SimulationRead(BaseModel):
    ruleset_id: uuid.UUID
    ruleset_version: int
    baseline: str = Field(description="`active_ruleset`, or `current_unit` when no ruleset is active.")
    baseline_version: int | None
    cases: int = Field(description="Cases evaluated; the counts of `moves` (and of `by_unit`) sum to it.")
    moved: int = Field(description="Cases whose unit would change.")
    by_unit: list[UnitCount]
    moves: list[MoveRead] = Field(description="Every (from, to) pair, unchanged ones included, largest first.")
    elapsed_ms: float


class DeconflictionIndicator(BaseModel):
    kind: str
    scope: str
    value: str


class DeconflictionRead(BaseModel):
    other_case_id: uuid.UUID
    other_case_number: int
    other_unit: UnitRef | None = Field(description="The unit holding the other case now.")
    unit_id_when_found: uuid.UUID | None
    other_unit_id_when_found: uuid.UUID | None
    indicators: list[DeconflictionIndicator] = Field(description="The indicators the two cases share.")
    found_at: Rfc3339


class CaseDeconfliction(BaseModel):
    case_id: uuid.UUID
    items: list[DeconflictionRead]
