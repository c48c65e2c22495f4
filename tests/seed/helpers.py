"""Generating seeded reports without a database, for the seeder's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from seed import scenarios
from seed.generator import generate_chunk
from seed.loader import chunks
from seed.plan import CHUNK, Plan
from seed.records import SeedReport

ORIGIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def plan(scenario: str, reports: int | None = None, seed: int = 1, first_number: int = 1) -> Plan:
    chosen = scenarios.load(scenario)
    return Plan(chosen, seed, reports or chosen.reports, ORIGIN, first_number)


def generate(scenario: str, reports: int | None = None, seed: int = 1, workers: int = 0) -> list[SeedReport]:
    return [r for chunk in chunks(plan(scenario, reports, seed), workers) for r in chunk]


def first_chunk(scenario: str, reports: int = CHUNK, seed: int = 1) -> list[SeedReport]:
    return generate_chunk(plan(scenario, max(reports, CHUNK), seed), 0)[:reports]
