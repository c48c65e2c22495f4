"""API models of seeding requests and answer keys."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field, StrictBool

from app.core.schemas import ReadSchema, Schema
from seed import scenarios

ScenarioName = Literal["classroom", "deconfliction", "demo", "load", "sextortion-surge", "viral-bundle"]
if set(ScenarioName.__args__) != set(scenarios.available()):  # type: ignore[attr-defined]
    raise RuntimeError("ScenarioName is out of step with the scenario files in seed/scenarios")
MAX_API_REPORTS = 1_000_000
MAX_SEED = 2**63 - 1


class SeedRequest(Schema):
    scenario: ScenarioName = Field(description="A scenario of `seed/scenarios` (see the README, Scenarios).")
    reports: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_API_REPORTS,
        description="How many reports; default: the scenario's own count.",
    )
    seed: int = Field(
        default=0, strict=True, ge=0, le=MAX_SEED, description="The same scenario, count and seed give the same data."
    )
    drip: StrictBool = Field(
        default=False,
        description="Feed the reports over the shift: the scenario's arrival schedule starts at the exercise's "
        "current time and each report shows once the clock reaches it (default: all arrived before the clock's "
        "origin).",
    )


class ExpectedUnit(ReadSchema):
    id: uuid.UUID | None
    code: str | None
    name: str


class Place(ReadSchema):
    country: str | None
    province: str | None = Field(description="ISO 3166-2:ID.")
    regency_code: str | None = Field(description="Kemendagri code of the regency or city.")
    district: str | None = Field(description="Kecamatan, where jurisdiction needs it.")


class AnswerKeyRead(ReadSchema):
    """The ground truth of a seeded report, for grading a trainee's triage."""

    report_id: uuid.UUID
    report_number: int
    scenario: str
    seed: int
    expected_priority: str = Field(description="`E` (imminent danger), `1`, `2` or `3`.")
    expected_unit: ExpectedUnit = Field(description="Where the report should go (see `routing_basis`).")
    routing_basis: str = Field(
        description="How the expected unit was decided: `default_ruleset` (the default routing ruleset of the "
        "exercise's template, with the true place) or `jurisdiction` (a template without one)."
    )
    should_escalate: bool
    location: str = Field(
        description="Where Section B places the reported user: `regency`, `district`, `estimate` (the ESP's "
        "estimated location), `mobile` (Indonesia, province unknown), `abroad` or `unresolved`."
    )
    place: Place
    duplicate_of: int | None = Field(description="Number of the report this one repeats.")
    duplicate_kind: Literal["exact", "near"] | None
    bundle: str | None = Field(description="The viral bundle the report belongs to.")
    subject: str | None = Field(description="The repeat reported user (deconfliction group) it concerns.")
    rationale: str
    reasons: list[str]
    analyst_note: str = Field(description="A note in the style of an analyst's, in the language of the report.")
