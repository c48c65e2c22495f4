"""A seeding run's plan: what to make (scenario, seed, count), when it arrives (relative to the exercise clock's
origin), and the tables every chunk draws from. Everything here is a pure function of the plan, so any process
can generate any chunk and get the same reports."""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import accumulate
from typing import Generic, TypeVar

from seed import esps
from seed.distributions import CSAM, INCIDENT_TYPES, SHORT_NAMES, Distributions
from seed.places import Geography, geography
from seed.rand import pick
from seed.scenarios import Scenario

CHUNK = 1000  # reports per generated chunk: fixed, so that chunk boundaries never change the data
WIB = timedelta(hours=7)
T = TypeVar("T")

ESCALATION_WEIGHTS = {
    "csam": 1.0,
    "enticement": 25.0,
    "trafficking": 40.0,
    "molestation": 40.0,
    "unsolicited": 3.0,
    "tourism": 10.0,
    "domain": 0.0,
    "words": 0.0,
}
"""How much likelier an ESP escalates a report of each type than a CSAM report (tipdesk assumption); scaled so the
overall share is the scenario's `urgent_share`."""


class Weighted(Generic[T]):
    """Draws from a fixed discrete distribution with one random number and a binary search."""

    __slots__ = ("_cum", "_total", "items")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items or sum(weights) <= 0:
            raise ValueError("a weighted table needs items and a positive total weight")
        self.items = tuple(items)
        self._cum = list(accumulate(float(w) for w in weights))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect_right(self._cum, rng.random() * self._total)]


def derive_seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Bundle:
    """A viral bundle: one ESP, one set of files, reports arriving over a few hours."""

    number: int
    start: float  # seconds after the window's start
    end: float
    esp: str


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    seed: int
    reports: int
    origin: datetime  # the exercise clock's origin: the arrival window ends here
    first_number: int = 1  # the report number the first seeded report will get

    @property
    def d(self) -> Distributions:
        return self.scenario.distributions

    @property
    def window_seconds(self) -> float:
        return self.scenario.window_hours * 3600.0

    @property
    def window_start(self) -> datetime:
        return self.origin.astimezone(UTC) - timedelta(seconds=self.window_seconds)

    @property
    def chunk_count(self) -> int:
        return math.ceil(self.reports / CHUNK)

    def chunk_seed(self, chunk: int) -> int:
        return derive_seed("chunk", self.scenario.name, self.seed, chunk)

    @cached_property
    def tables(self) -> Tables:
        return Tables(self)


class Tables:
    """The weighted tables and schedules of one plan (built once per process)."""

    def __init__(self, plan: Plan) -> None:
        d = plan.d
        self.geo: Geography = geography()
        shares = d.type_weights()
        self.types = Weighted(INCIDENT_TYPES, [shares[t] for t in INCIDENT_TYPES])
        self.type_share = shares
        weights = {e.key: d.esp_weights.get(e.key, e.weight) for e in esps.CATALOGUE}
        self.esps_by_type = {
            t: Weighted(esps.CATALOGUE, [weights[e.key] * e.multiplier(SHORT_NAMES[t]) for e in esps.CATALOGUE])
            for t in INCIDENT_TYPES
        }
        self.bundle_esps = Weighted(
            esps.CATALOGUE,
            [weights[e.key] if e.kind in ("social", "messaging", "video") else 0.0 for e in esps.CATALOGUE],
        )
        self.provinces = Weighted(self.geo.provinces, self.geo.province_weights)
        self.files = Weighted(range(1, d.files_max + 1), d.files_table())
        self.file_kinds = Weighted(tuple(d.file_kinds), tuple(d.file_kinds.values()))
        self.classifications = Weighted(tuple(d.industry_classification), tuple(d.industry_classification.values()))
        self.escalation = _escalation_probabilities(shares, d.urgent_share)
        self.batched_given_csam = min(1.0, d.batched_share / shares[CSAM]) if shares[CSAM] > 0 else 0.0
        self._arrivals = _arrival_curve(plan)
        self.bundles = _bundles(plan, self)
        self._bundle_starts = [b.start for b in self.bundles]  # sorted: bundles are ordered by start
        self._longest_bundle = max((b.end - b.start for b in self.bundles), default=0.0)
        self.bundle_join = _join_probability(self, self.batched_given_csam)
        self.repeat_pool = d.repeat_pool or max(10, plan.reports // 50)
        self.file_days = tuple((plan.origin - timedelta(days=n)).strftime("%Y%m%d") for n in range(1, 400))
        """Dates that camera-style file names carry (the year before the origin)."""

    def arrival(self, fraction: float) -> float:
        """Seconds after the window's start by which `fraction` of the reports have arrived."""
        cum, weights, total = self._arrivals
        target = fraction * total
        hour = min(bisect_right(cum, target) - 1, len(weights) - 1)
        inside = (target - cum[hour]) / weights[hour] if weights[hour] > 0 else 0.0
        return min((hour + min(inside, 1.0)) * 3600.0, float(len(weights) * 3600) - 1e-3)

    def bundle_at(self, offset: float, rng: random.Random) -> Bundle | None:
        active = self.active_bundles(offset)
        if active:
            return pick(rng, active)
        return None

    def active_bundles(self, offset: float) -> list[Bundle]:
        """The bundles running at `offset`, in their order: only those that started within the longest bundle's
        span before it can be (a bisection on the sorted starts, not a scan of all the run's bundles)."""
        starts, longest, bundles = self._bundle_starts, self._longest_bundle, self.bundles
        low, high = bisect_left(starts, offset - longest - 1.0), bisect_right(starts, offset)
        return [b for b in bundles[low:high] if b.start <= offset <= b.end]


def _escalation_probabilities(shares: dict[str, float], urgent_share: float) -> dict[str, float]:
    """P(the ESP escalates | type), proportional to ESCALATION_WEIGHTS, capped at 1, averaging `urgent_share`."""
    weight = {t: ESCALATION_WEIGHTS[SHORT_NAMES[t]] for t in shares}
    low, high = 0.0, 1e9
    for _ in range(100):
        mid = (low + high) / 2
        if sum(s * min(1.0, mid * weight[t]) for t, s in shares.items()) < urgent_share:
            low = mid
        else:
            high = mid
    return {t: min(1.0, high * weight[t]) for t in shares}


def _arrival_curve(plan: Plan) -> tuple[list[float], list[float], float]:
    """Cumulative arrival weight at the start of each hour of the window (WIB rhythm, quieter weekends)."""
    d, start = plan.d, plan.window_start
    hours = max(1, math.ceil(plan.scenario.window_hours))
    weights = []
    for h in range(hours):
        local = start + WIB + timedelta(hours=h)
        weights.append(d.hourly_weights[local.hour] * (d.weekend_factor if local.weekday() >= 5 else 1.0))
    cum = [0.0, *accumulate(weights)]
    return cum[:-1], weights, cum[-1]


def _bundles(plan: Plan, tables: Tables) -> tuple[Bundle, ...]:
    d = plan.d
    members = plan.reports * d.batched_share
    if members < 1:
        return ()
    rng = random.Random(derive_seed("bundles", plan.scenario.name, plan.seed))  # noqa: S311 - fabrication only
    count = max(1, round(members / d.bundle_mean_size))
    span = d.bundle_hours * 3600.0
    out = []
    for number in range(count):
        start = tables.arrival(rng.random()) - span * rng.random() * 0.5
        out.append(Bundle(number + 1, max(0.0, start), start + span, tables.bundle_esps.pick(rng).key))
    return tuple(sorted(out, key=lambda b: (b.start, b.number)))


def _join_probability(tables: Tables, wanted: float) -> float:
    """P(a CSAM report joins a bundle | one is active when it arrives), so that `wanted` of CSAM reports do."""
    if not tables.bundles or wanted <= 0:
        return 0.0
    probes = 2000
    covered = sum(bool(tables.active_bundles(tables.arrival((i + 0.5) / probes))) for i in range(probes))
    return min(1.0, wanted * probes / covered) if covered else 0.0


def as_time(plan: Plan, offset: float) -> datetime:
    return plan.window_start + timedelta(seconds=offset)


def rfc3339(value: datetime) -> str:
    """Whole seconds, UTC, as pydantic writes a UTC time: ``2026-03-02T07:30:00Z``. Seeded times are UTC."""
    return value.isoformat(timespec="seconds")[:19] + "Z"
