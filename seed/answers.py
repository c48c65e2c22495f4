"""Answer keys: the expected unit of each seeded report, and the stored answer-key rows.

The expected unit is what the exercise template's default routing ruleset (``app.routing``, the one a new exercise
starts with) decides for the report, with the report's facts and the *true* place of the reported user (not Section
B's reading of it): so an answer key agrees with routing wherever Section B locates the user correctly, and a
trainee who re-routes a mislocated report is graded against where it should have gone. Jurisdiction resolution is
the one routing uses (``app.units.jurisdiction``). For a template without a default ruleset the expected unit
follows jurisdiction alone: the unit covering the place; for a place split between units that nothing decides the
Polda they share, if any; otherwise, and for users abroad, in Indonesia with no known province, or unresolved, the
national intake (Dittipidsiber). ``ExpectedUnits`` is the one place this decision lives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import geo
from app.core.ids import new_id
from app.exercises.models import Exercise
from app.routing import service as routing_service
from app.routing.rules import InvalidRuleset, Router, compile_rules, index_resolver
from app.units import service as units_service
from app.units.jurisdiction import AreaIndex
from app.units.models import Unit
from seed import text
from seed.records import SeedReport
from seed.truth import Truth

NATIONAL_INTAKE = "dittipidsiber"
BASIS = "jurisdiction"
RULESET_BASIS = "default_ruleset"


@dataclass(frozen=True, slots=True)
class Expected:
    unit_id: uuid.UUID | None
    code: str | None
    name: str
    why: str


class ExpectedUnits:
    """Decides expected units: by the default ruleset of the exercise's template when it has one, else by
    jurisdiction (one lookup per distinct place)."""

    def __init__(self, session: Session, exercise_id: uuid.UUID, template: str | None = None) -> None:
        self.session, self.exercise_id = session, exercise_id
        self._cache: dict[tuple[str | None, ...], Expected] = {}
        self.router = _default_router(session, exercise_id, template)
        self.basis = RULESET_BASIS if self.router is not None else BASIS
        national = units_service.get_by_code(session, exercise_id=exercise_id, code=NATIONAL_INTAKE)
        self.national = (
            Expected(national.id, national.code, national.name, "")
            if national is not None and not national.retired
            else Expected(None, None, "no unit (the exercise has no national intake unit)", "")
        )

    def unit_for(self, report: SeedReport) -> Expected:
        if self.router is not None:
            return self._by_ruleset(report, self.router)
        return self.by_jurisdiction(report.truth)

    def _by_ruleset(self, report: SeedReport, router: Router) -> Expected:
        truth, summary = report.truth, report.body["incidentSummary"]
        facts = {
            "incident_type": summary["incidentType"],
            "annotations": sorted(k for k, v in (summary.get("reportAnnotations") or {}).items() if v),
            "classification": report.kind,
            "urgent": report.urgent,
            "esp_name": report.esp,
            "location_source": "unresolved" if truth.country is None else "ip",
            "location_country": truth.country,
            "location_province": truth.province,
            "location_regency_code": truth.regency_code,
            "location_city": geo.regency(truth.regency_code).name if truth.regency_code else None,
            "location_district": truth.district,
            "file_count": len(report.files),
            "batched": report.body.get("batchedReport") is not None,
            "received_at": report.received_at,
            "number": report.number,
            "document": report.body,
        }
        state = routing_service.new_case_state(urgent=report.urgent)
        decision = router.route(routing_service.subject(facts, state), explain_it=False)
        if decision.unit is None:
            return Expected(None, None, "no unit (no rule of the default ruleset routes it)", "no rule routes it")
        rule = decision.rule.rule.name if decision.rule is not None else "?"
        place = _place_name(truth) or "the reported user's location"
        why = {
            "jurisdiction": f"jurisdiction over {place}",
            "polda": f"the Polda with jurisdiction over {place}",
            "fallback": f"no single unit covers {place}: the fallback",
        }.get(decision.via, "the unit the rule names")
        return _expected(decision.unit, f"default routing rule {rule}: {why}")

    def by_jurisdiction(self, truth: Truth) -> Expected:
        key = (truth.location, truth.country, truth.province, truth.regency_code, truth.district)
        if key not in self._cache:
            self._cache[key] = self._decide(truth)
        return self._cache[key]

    def _fallback(self, why: str) -> Expected:
        n = self.national
        return Expected(n.unit_id, n.code, n.name, why)

    def _decide(self, truth: Truth) -> Expected:
        if truth.location == "abroad":
            return self._fallback(f"located abroad ({truth.country}): the national intake refers it")
        if truth.province is None:
            where = "in Indonesia, province unknown" if truth.location == "mobile" else "location unresolved"
            return self._fallback(f"{where}: the national intake keeps it")
        found = units_service.resolve(
            self.session,
            exercise_id=self.exercise_id,
            province=truth.province,
            city=truth.regency_code,
            district=truth.district,
        )
        place = _place_name(truth)
        if found.unit is not None:
            return _expected(found.unit, f"jurisdiction over {place}")
        if found.polda is not None:
            return _expected(found.polda, f"{place} is split between units of {found.polda.name}")
        return self._fallback(f"no single unit covers {place} ({found.outcome}): the national intake decides")


def _default_router(session: Session, exercise_id: uuid.UUID, template: str | None) -> Router | None:
    name = template or session.scalar(select(Exercise.org_template).where(Exercise.id == exercise_id))
    default = routing_service.default_ruleset(name) if name else None
    if default is None:
        return None
    index = AreaIndex.load(session, exercise_id=exercise_id)
    try:
        compiled = compile_rules(default.rules, index.by_code, version=default.version, name=default.name)
    except InvalidRuleset:  # the exercise's units no longer have what the default ruleset names
        return None
    return Router(compiled, index.by_code, index_resolver(index))


def _expected(unit: Unit, why: str) -> Expected:
    return Expected(unit.id, unit.code, unit.name, why)


def _place_name(truth: Truth) -> str:
    parts = [truth.district and f"Kecamatan {truth.district}"]
    if truth.regency_code:
        parts.append(geo.regency(truth.regency_code).name)
    if truth.province:
        parts.append(geo.province(truth.province).name)
    return ", ".join(p for p in parts if p)


def answer_row(
    *,
    exercise_id: uuid.UUID,
    report_id: uuid.UUID,
    report: SeedReport,
    expected: Expected,
    scenario: str,
    seed: int,
    first_number: int,
    basis: str = BASIS,
) -> dict[str, Any]:
    truth = report.truth
    label = f"{scenario}/{seed}"
    duplicate_of = first_number + truth.duplicate_of if truth.duplicate_of is not None else None
    rationale = "; ".join([*truth.reasons, expected.why]) + "."
    rationale = rationale[0].upper() + rationale[1:]
    return {
        "id": new_id(),
        "exercise_id": exercise_id,
        "report_id": report_id,
        "report_number": report.number,
        "scenario": scenario,
        "seed": seed,
        "expected_priority": truth.priority,
        "expected_unit_id": expected.unit_id,
        "expected_unit_code": expected.code,
        "should_escalate": truth.should_escalate,
        "location": truth.location,
        "duplicate_of": duplicate_of,
        "duplicate_kind": truth.duplicate,
        "bundle": f"{label}/bundle-{truth.bundle}" if truth.bundle is not None else None,
        "subject": f"{label}/subject-{truth.subject}" if truth.subject is not None else None,
        "rationale": rationale,
        "details": {
            "routing_basis": basis,
            "expected_unit_name": expected.name,
            "place": {
                "country": truth.country,
                "province": truth.province,
                "regency_code": truth.regency_code,
                "district": truth.district,
            },
            "reasons": truth.reasons,
            "analyst_note": text.analyst_note(truth.lang, truth.priority, expected.name),
        },
    }
