"""The seeder's distributions: every one a named, tunable parameter with its source.

Public figures come from ``../shared/reference/statistics.md`` (NCMEC CyberTipline data); where no public figure
exists the value is a tipdesk assumption and says so. A scenario file overrides any of them by name (see
``seed.scenarios``); ``Distributions.with_overrides`` validates the names and types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

CSAM = "Child Pornography (possession, manufacture, and distribution)"
TRAFFICKING = "Child Sex Trafficking"
TOURISM = "Child Sex Tourism"
MOLESTATION = "Child Sexual Molestation"
DOMAIN = "Misleading Domain Name"
WORDS = "Misleading Words or Digital Images on the Internet"
ENTICEMENT = "Online Enticement of Children for Sexual Acts"
UNSOLICITED = "Unsolicited Obscene Material Sent to a Child"
INCIDENT_TYPES = (CSAM, TRAFFICKING, TOURISM, MOLESTATION, DOMAIN, WORDS, ENTICEMENT, UNSOLICITED)
SHORT_NAMES = {
    CSAM: "csam",
    TRAFFICKING: "trafficking",
    TOURISM: "tourism",
    MOLESTATION: "molestation",
    DOMAIN: "domain",
    WORDS: "words",
    ENTICEMENT: "enticement",
    UNSOLICITED: "unsolicited",
}
BY_SHORT_NAME = {short: long for long, short in SHORT_NAMES.items()}


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


# Reports by incident type, CyberTipline 2022 (statistics.md, "Reports by incident type").
INCIDENT_TYPES_2022 = _frozen(
    {
        "csam": 31_901_234,
        "words": 7_517,
        "enticement": 80_524,
        "trafficking": 18_336,
        "unsolicited": 35_624,
        "domain": 1_948,
        "molestation": 12_906,
        "tourism": 940,
    }
)

# Arrival rhythm at the national intake (exercise clock, Western Indonesian Time). No public figure: a tipdesk
# assumption shaped like office-hours processing of a queue that fills around the clock.
HOURLY_WEIGHTS = (
    0.35, 0.3, 0.25, 0.25, 0.3, 0.45, 0.7, 1.0, 1.35, 1.5, 1.5, 1.4,
    1.2, 1.35, 1.45, 1.4, 1.25, 1.05, 0.95, 0.9, 0.85, 0.75, 0.6, 0.45,
)  # fmt: skip


WEIGHT_TABLES = frozenset({"incident_types", "file_kinds", "industry_classification"})


@dataclass(frozen=True)
class Distributions:
    """Tunable parameters of a scenario. Shares are probabilities in [0, 1]."""

    # --- incident types ----------------------------------------------------------------------------------------
    incident_types: Mapping[str, float] = field(default_factory=lambda: INCIDENT_TYPES_2022)
    """Relative weights by short name (csam, enticement, ...). Source: CyberTipline 2022 reports by type."""
    enticement_trend: float = 1.0
    """Multiplier on the enticement weight. 2024-25 knob: 6.8 (~546,000 in 2024 vs 80,524 in 2022); 1.77 for the
    H1 2025 vs H1 2024 growth (518,720 vs 292,951)."""
    sextortion_share: float = 0.036
    """Enticement reports annotated `sextortion`. Source: financial sextortion 18,898 of 518,720 online-enticement
    reports, Jan-Jun 2025."""
    sadistic_share: float = 0.0021
    """Enticement reports annotated `sadisticOnlineExploitation`. Source: 1,093 of 518,720, Jan-Jun 2025."""
    generative_ai_share: float = 0.02
    """Files flagged `generativeAi`. Knob for the 2024-25 trend (6,835 -> 440,419 reports involving generative AI,
    H1 2024 -> H1 2025); the default is a tipdesk assumption for a 2023-like mix (~4,700 of 36.2 M reports)."""
    solicitation_share: float = 0.05
    """CSAM reports annotated `csamSolicitation` (tipdesk assumption; no public figure)."""
    minor_to_minor_share: float = 0.08
    """Enticement and unsolicited-material reports annotated `minorToMinorInteraction` (tipdesk assumption)."""
    spam_share: float = 0.01
    """Reports annotated `spam` (tipdesk assumption)."""

    # --- files -------------------------------------------------------------------------------------------------
    files_zero_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "csam": 0.03,
                "enticement": 0.45,
                "trafficking": 0.5,
                "molestation": 0.4,
                "unsolicited": 0.2,
                "domain": 0.8,
                "words": 0.6,
                "tourism": 0.6,
            }
        )
    )
    """Reports of each type without files (tipdesk assumption: CSAM reports nearly always carry files)."""
    files_tail_exponent: float = 2.05
    files_max: int = 150
    """Files per report, given at least one: P(k) proportional to k^-exponent on 1..max (a long tail: most reports
    carry one or a few files, a few carry a hundred). With the defaults the mean over all reports (informational
    ones included) is ~2.7. Source: 2022, 88.4 M files for 32.1 M reports."""
    file_kinds: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"photo": 49.4, "video": 37.8, "other": 1.2})
    )
    """Photos, videos and other files. Source: CyberTipline 2022 files (millions)."""
    industry_classification: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"A1": 0.2, "A2": 0.15, "B1": 0.35, "B2": 0.3, "none": 1.0})
    )
    """Industry classification labels on `Reported` files (tipdesk assumption; labels on metadata only)."""

    # --- NCMEC-side fields -------------------------------------------------------------------------------------
    informational_share: float = 0.1
    """Reports built without any identifying detail (no IP, email, screen name, ESP user id, phone or file), which
    intake classifies `informational` (tipdesk assumption; NCMEC publishes no share)."""
    urgent_share: float = 0.0018
    """Reports whose ESP asks for escalation (`escalateToHighPriority`). Source: 63,892 urgent of 36,210,368 reports
    in 2023."""
    escalation_accuracy: float = 0.8
    """Escalated reports that do show a child in imminent danger (priority E); the rest rate priority 1 (tipdesk
    assumption)."""
    hidden_imminent_share: float = 0.0005
    """Reports showing imminent danger without an ESP escalation request (the trainee should escalate; tipdesk
    assumption)."""

    # --- places ------------------------------------------------------------------------------------------------
    abroad_share: float = 0.03
    """Reported users whose addresses geolocate abroad (Singapore, Malaysia blocks). Source: reports reaching
    Indonesia concern users located there; a small share resolve elsewhere (tipdesk assumption)."""
    mobile_share: float = 0.07
    """Reported users seen only through the nationwide mobile range (Indonesia, province unknown: carrier-grade
    NAT; tipdesk assumption)."""
    unresolved_share: float = 0.05
    """Reported users whose addresses are in no registry block (tipdesk assumption); see `estimate_share`."""
    estimate_share: float = 0.5
    """Of those, the share where the ESP gives an `estimatedLocation` (province and city)."""
    kecamatan_share: float = 0.8
    """Reports in Kabupaten Tangerang located to a listed kecamatan (the rest only to the regency: ambiguous)."""
    ipv6_share: float = 0.25
    """Capture events with an IPv6 address (tipdesk assumption)."""

    # --- people ------------------------------------------------------------------------------------------------
    victim_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "csam": 0.05,
                "enticement": 0.85,
                "trafficking": 0.7,
                "molestation": 0.8,
                "unsolicited": 0.9,
                "domain": 0.0,
                "words": 0.1,
                "tourism": 0.3,
            }
        )
    )
    """Reports naming a victim account, by type (tipdesk assumption)."""
    reported_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "csam": 0.98,
                "enticement": 0.97,
                "trafficking": 0.9,
                "molestation": 0.85,
                "unsolicited": 0.98,
                "domain": 0.7,
                "words": 0.8,
                "tourism": 0.8,
            }
        )
    )
    """Reports naming a reported person or user, by type (tipdesk assumption)."""
    reported_name_share: float = 0.35
    """Reported users whose ESP gives a real-world name (tipdesk assumption)."""
    phone_share: float = 0.3
    device_share: float = 0.4
    disabled_share: float = 0.6
    """Reported accounts with a phone, a device id, and disabled by the ESP (tipdesk assumptions)."""

    # --- ESPs --------------------------------------------------------------------------------------------------
    esp_weights: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    """Relative report volume per ESP key (see `seed.esps`); a missing key uses the catalogue's own weight."""

    # --- structure across reports ------------------------------------------------------------------------------
    batched_share: float = 0.02
    """Reports that belong to a viral bundle (`batchedReport`, shared file hashes). Source: bundling since 2024
    (20.5 M reports for 29.2 M incidents); the share of bundled reports is a tipdesk assumption."""
    bundle_mean_size: float = 25.0
    """Mean reports per bundle (geometric)."""
    bundle_hours: float = 18.0
    """How long a bundle keeps arriving (hours)."""
    exact_duplicate_share: float = 0.01
    near_duplicate_share: float = 0.02
    """Reports that repeat an earlier one exactly (the same document sent again) or nearly (the same user and files,
    another detection time and an extra login). Tipdesk assumption."""
    repeat_subject_share: float = 0.05
    """Reports whose reported user appears in other reports too (deconfliction). Tipdesk assumption."""
    repeat_pool: int = 0
    """Distinct repeat subjects; 0 means one per 50 reports (at least 10)."""
    repeat_moves_share: float = 0.3
    """Of a repeat subject's reports, those seen from another province (two units hold the same suspect)."""

    # --- time --------------------------------------------------------------------------------------------------
    hourly_weights: tuple[float, ...] = HOURLY_WEIGHTS
    weekend_factor: float = 0.7
    """Arrival rate by hour of day (WIB) and on Saturdays and Sundays (tipdesk assumption)."""
    detection_lag_hours: tuple[float, float] = (2.0, 96.0)
    """Hours between the ESP's detection (`incidentDateTime`) and arrival, log-uniform (tipdesk assumption)."""
    english_share: float = 0.7
    """Free text written in English (the rest in Indonesian)."""

    def with_overrides(self, overrides: Mapping[str, Any]) -> Distributions:
        """A copy with some parameters replaced. A weight table (WEIGHT_TABLES) is replaced whole; other tables
        (shares by type, ESP weights) are merged key by key. ValueError for unknown names or wrong types."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in known:
                raise ValueError(f"unknown distribution parameter {name!r}")
            current = getattr(self, name)
            if isinstance(current, Mapping):
                if not isinstance(value, Mapping) or not all(isinstance(v, int | float) for v in value.values()):
                    raise ValueError(f"{name} takes a table of numbers")
                changes[name] = _frozen(dict(value) if name in WEIGHT_TABLES else {**current, **value})
            elif isinstance(current, tuple):
                changes[name] = tuple(value)
            elif isinstance(current, bool | int | float) and isinstance(value, int | float):
                changes[name] = type(current)(value)
            else:
                raise ValueError(f"{name} takes a {type(current).__name__}")
        result = dataclasses.replace(self, **changes)
        result.check()
        return result

    def check(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_share") and isinstance(value, float) and not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must lie in [0, 1]")
        unknown = set(self.incident_types) - set(BY_SHORT_NAME)
        if unknown:
            raise ValueError(f"unknown incident types: {sorted(unknown)}")
        if sum(self.incident_types.values()) <= 0:
            raise ValueError("incident_types needs a positive weight")
        if len(self.hourly_weights) != 24 or min(self.hourly_weights) < 0 or sum(self.hourly_weights) <= 0:
            raise ValueError("hourly_weights needs 24 non-negative weights")
        if self.files_max < 1 or self.bundle_mean_size < 1 or self.bundle_hours <= 0:
            raise ValueError("files_max, bundle_mean_size and bundle_hours must be positive")
        if self.abroad_share + self.mobile_share + self.unresolved_share > 1.0:
            raise ValueError("abroad, mobile and unresolved shares add up to more than 1")

    def type_weights(self) -> dict[str, float]:
        """Effective incident-type weights by full XSD name, trends applied, normalised to 1."""
        raw = {BY_SHORT_NAME[k]: float(v) for k, v in self.incident_types.items()}
        if ENTICEMENT in raw:
            raw[ENTICEMENT] *= self.enticement_trend
        total = sum(raw.values())
        return {name: raw.get(name, 0.0) / total for name in INCIDENT_TYPES}

    def files_table(self) -> list[float]:
        """P(k files | at least one) for k = 1..files_max."""
        weights = [k**-self.files_tail_exponent for k in range(1, self.files_max + 1)]
        total = sum(weights)
        return [w / total for w in weights]

    def expected_files(self) -> float:
        """Expected files per report over the incident-type mix; informational reports carry none. Bundles and
        duplicates draw their files from the same distribution, so they leave the expectation unchanged."""
        table = self.files_table()
        mean_nonzero = sum(k * p for k, p in enumerate(table, start=1))
        with_files = sum(
            share * (1.0 - self.files_zero_share.get(SHORT_NAMES[name], 0.0))
            for name, share in self.type_weights().items()
        )
        return (1.0 - self.informational_share) * with_files * mean_nonzero
