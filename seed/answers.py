"""Answer keys: the expected unit of each seeded report, and the stored answer-key rows.

The expected unit follows jurisdiction (``app.units.service.resolve``) from where Section B will place the reported
user: the unit covering that place; for a place split between units that nothing decides (Kabupaten Tangerang
without a listed kecamatan) the Polda they share, if any; otherwise, and for users abroad, in Indonesia with no
known province, or unresolved, the national intake (Dittipidsiber). ``ExpectedUnits`` is the one place this
decision lives: when routing's default ruleset exists, its dry run replaces ``unit_for``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import geo
from app.units import service as units_service
from app.units.models import Unit
from seed import text
from seed.records import SeedReport
from seed.truth import Truth

NATIONAL_INTAKE = "dittipidsiber"
BASIS = "jurisdiction"


@dataclass(frozen=True, slots=True)
class Expected:
    unit_id: uuid.UUID | None
    code: str | None
    name: str
    why: str


class ExpectedUnits:
    """Resolves expected units, one jurisdiction lookup per distinct place."""

    def __init__(self, session: Session, exercise_id: uuid.UUID) -> None:
        self.session, self.exercise_id = session, exercise_id
        self._cache: dict[tuple[str | None, ...], Expected] = {}
        national = units_service.get_by_code(session, exercise_id=exercise_id, code=NATIONAL_INTAKE)
        self.national = (
            Expected(national.id, national.code, national.name, "")
            if national is not None and not national.retired
            else Expected(None, None, "no unit (the exercise has no national intake unit)", "")
        )

    def unit_for(self, truth: Truth) -> Expected:
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
) -> dict[str, Any]:
    truth = report.truth
    label = f"{scenario}/{seed}"
    duplicate_of = first_number + truth.duplicate_of if truth.duplicate_of is not None else None
    rationale = "; ".join([*truth.reasons, expected.why]) + "."
    rationale = rationale[0].upper() + rationale[1:]
    return {
        "id": uuid.uuid4(),
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
            "routing_basis": BASIS,
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
