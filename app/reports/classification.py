"""The NCMEC-side fields tipdesk sets on intake (an instructor may change them later).

- Classification: `referral` unless the report carries no identifying detail at all, then `informational`.
  Identifying detail is exactly the list of the intake issue: an IP address, email, screen name, ESP user id or
  phone number (as extracted by `extract_indicators`, so a value that cannot be read as one does not count, nor do
  the `reporter` and `lawEnforcement` sections, which describe the ESP's staff and the agency), or at least one
  file. URLs, device ids, names and addresses alone do not make a referral.
- Urgency: the ESP asked for escalation (`incidentSummary.escalateToHighPriority` present and not blank).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from app.reports.document import Report
from app.reports.indicators import Indicator, IndicatorKind, extract_indicators

Classification = Literal["referral", "informational"]
IDENTIFYING_KINDS: frozenset[IndicatorKind] = frozenset({"ip", "email", "screen_name", "esp_user_id", "phone"})


def ncmec_classification(report: Report, file_count: int, found: Sequence[Indicator] | None = None) -> Classification:
    """`found`: the report's indicators when the caller has extracted them already."""
    if found is None:
        found = extract_indicators(report)
    if file_count > 0 or any(i.kind in IDENTIFYING_KINDS for i in found):
        return "referral"
    return "informational"


def is_urgent(report: Report) -> bool:
    text = report.incidentSummary.escalateToHighPriority
    return text is not None and text.strip() != ""
