"""The ground truth of a seeded report: what an instructor grades a trainee's triage against.

Priority (the default scale ``E``, ``1``, ``2``, ``3``):

- ``E``: a child appears to be in imminent danger, whether or not the ESP asked for escalation (a trainee should
  escalate: ``should_escalate``);
- ``1``: sextortion or sadistic exploitation; enticement, trafficking or molestation naming a victim; an escalation
  request the facts do not bear out;
- ``2``: other enticement, trafficking, molestation, tourism; CSAM distribution; unsolicited material sent to a
  named child;
- ``3``: informational reports, viral-meme bundle members, spam, misleading domain names and words, other
  unsolicited material, users located abroad (referral to another country).

Duplicates keep the priority of the report they repeat and say so. The expected unit is decided later, with the
database (``seed.loader``), from ``location``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seed.distributions import CSAM, DOMAIN, ENTICEMENT, MOLESTATION, TOURISM, TRAFFICKING, UNSOLICITED, WORDS

PRIORITIES = ("E", "1", "2", "3")


@dataclass(slots=True)
class Truth:
    priority: str
    should_escalate: bool
    location: str  # regency, district, estimate, mobile, abroad, unresolved
    country: str | None = None
    province: str | None = None
    regency_code: str | None = None
    district: str | None = None
    duplicate_of: int | None = None  # index of the report this one repeats
    duplicate: str | None = None  # exact | near
    bundle: int | None = None
    subject: int | None = None  # repeat subject (deconfliction group)
    reasons: list[str] = field(default_factory=list)
    lang: str = "en"  # the language the ESP's free text is in


def priority_of(
    *,
    incident_type: str,
    annotations: list[str],
    victim: bool,
    escalated: bool,
    imminent: bool,
    informational: bool,
    bundled: bool,
    abroad: bool,
) -> tuple[str, list[str]]:
    """The expected priority and the reasons behind it, in plain words."""
    if imminent:
        why = "the ESP asked for escalation" if escalated else "the victim's stated age and recent contact"
        return "E", [f"a child appears to be in imminent danger ({why})"]
    if informational:
        return "3", ["informational: no identifying detail to act on"]
    if abroad:
        return "3", ["the reported user is located abroad: refer to that country"]
    if bundled:
        return "3", ["member of a viral bundle (shared files)"]
    if "sextortion" in annotations or "sadisticOnlineExploitation" in annotations:
        return "1", ["sextortion or sadistic exploitation annotated"]
    serious = incident_type in (ENTICEMENT, TRAFFICKING, MOLESTATION)
    if serious and victim:
        return "1", ["a named victim in an enticement, trafficking or molestation report"]
    if escalated:
        return "1", ["escalation requested, but the facts show no imminent danger"]
    if "spam" in annotations or incident_type in (DOMAIN, WORDS):
        return "3", ["low-severity incident type or spam"]
    if serious or incident_type in (TOURISM, CSAM):
        return "2", ["actionable report with identifying details"]
    if incident_type == UNSOLICITED:
        return ("2", ["unsolicited material sent to a named child"]) if victim else ("3", ["no named recipient"])
    return "3", ["no aggravating facts"]
