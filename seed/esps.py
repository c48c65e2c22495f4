"""The catalogue of fictional electronic service providers (ESPs) that "submit" seeded reports.

Every name is invented (checked against no trademark register, chosen to be unlike any company's name) and every
domain lies under the reserved ``.example`` TLD. Each ESP has a service kind, the platform names its reports carry,
a relative report volume and a typical incident mix: multipliers on the scenario's incident-type weights (a gaming
service sees more enticement, a marketplace more trafficking and misleading words).

Each ESP becomes one user account per database (``esp-<key>``, global role ``user``, no usable password, display
name = the ESP's name) and a ``reporter`` member of each seeded exercise: intake takes the ESP's name from the
submitting account, exactly as for a report an ESP posts itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

KINDS = ("social", "messaging", "cloud_storage", "gaming", "video", "dating", "marketplace")
DETAIL_KINDS = {
    "social": ("webPageIncident", "chatImIncident"),
    "messaging": ("chatImIncident", "chatImIncident", "cellPhoneIncident"),
    "cloud_storage": ("webPageIncident",),
    "gaming": ("onlineGamingIncident", "chatImIncident"),
    "video": ("webPageIncident",),
    "dating": ("chatImIncident",),
    "marketplace": ("webPageIncident", "chatImIncident"),
}
"""The `internetDetails` alternatives a service of each kind reports, drawn uniformly (repeats weigh more)."""


@dataclass(frozen=True)
class Esp:
    key: str
    name: str
    kind: str
    domain: str
    services: tuple[str, ...]
    weight: float
    mix: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    staff_locale: str = "en_US"
    games: tuple[str, ...] = ()

    @property
    def username(self) -> str:
        return f"esp-{self.key}"

    def multiplier(self, short_type: str) -> float:
        return self.mix.get(short_type, 1.0)


def _mix(**values: float) -> Mapping[str, float]:
    return MappingProxyType(values)


CATALOGUE: tuple[Esp, ...] = (
    Esp("serambi", "Serambi Social", "social", "serambi.example", ("Serambi", "Serambi Stories"), 30.0),
    Esp("lintang", "Lintang Loop", "social", "lintangloop.example", ("Lintang Loop",), 12.0, _mix(words=2.0)),
    Esp("kilau", "Kilau Forum", "social", "kilau-forum.example", ("Kilau Forum",), 2.0, _mix(domain=3.0, words=2.0)),
    Esp(
        "pelangi",
        "Pelangi Chat",
        "messaging",
        "pelangi-chat.example",
        ("Pelangi Chat",),
        22.0,
        _mix(enticement=3.0, unsolicited=3.0),
        staff_locale="id_ID",
    ),
    Esp(
        "bisik",
        "Bisik Mail",
        "messaging",
        "bisikmail.example",
        ("Bisik Mail", "Bisik Messenger"),
        4.0,
        _mix(enticement=1.5, trafficking=1.5),
        staff_locale="id_ID",
    ),
    Esp("kabut", "Kabut Drive", "cloud_storage", "kabutdrive.example", ("Kabut Drive",), 9.0, _mix(enticement=0.2)),
    Esp(
        "layang",
        "Layang Arena",
        "gaming",
        "layang-arena.example",
        ("Layang Arena",),
        4.0,
        _mix(csam=0.5, enticement=8.0, unsolicited=3.0),
        games=("Layang Arena: Rally", "Layang Arena: Tactics"),
    ),
    Esp(
        "gemintang",
        "Gemintang Quest",
        "gaming",
        "gemintang.example",
        ("Gemintang Quest",),
        2.0,
        _mix(csam=0.5, enticement=8.0, unsolicited=2.0),
        staff_locale="id_ID",
        games=("Gemintang Quest Online", "Gemintang Kart"),
    ),
    Esp("senja", "Senja Video", "video", "senjavideo.example", ("Senja Video", "Senja Live"), 8.0, _mix(words=2.0)),
    Esp("tayang", "Tayang Kilat", "video", "tayangkilat.example", ("Tayang Kilat",), 3.0, staff_locale="id_ID"),
    Esp(
        "sapa",
        "Sapa Rindu",
        "dating",
        "saparindu.example",
        ("Sapa Rindu",),
        1.5,
        _mix(csam=0.3, enticement=6.0, trafficking=8.0, tourism=4.0),
        staff_locale="id_ID",
    ),
    Esp(
        "cempaka",
        "Niaga Cempaka",
        "marketplace",
        "niagacempaka.example",
        ("Niaga Cempaka",),
        1.5,
        _mix(csam=0.3, trafficking=6.0, words=5.0, domain=3.0, tourism=3.0),
        staff_locale="id_ID",
    ),
)
BY_KEY = {esp.key: esp for esp in CATALOGUE}
