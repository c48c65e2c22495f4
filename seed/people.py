"""Accounts of seeded people: reported users, victims and the ESPs' reporting staff.

Names come from Faker's ``id_ID`` locale (staff of ESPs with English-language teams from ``en_US``), drawn once
into pools per run and then picked with the run's own random generator; places come from ``seed.places``, and
every identifier from ``seed.providers``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from faker import Faker

from seed.esps import Esp
from seed.places import Place
from seed.plan import Plan, derive_seed
from seed.providers import SafeIdentifiers, make_faker
from seed.rand import below, between, pick

POOL = 400
WORDS = (
    "senja", "bintang", "ombak", "pelangi", "kopi", "hujan", "gunung", "langit", "awan", "laut", "kilat", "rimba",
    "sky", "rider", "gamer", "blue", "wave", "pixel", "nova", "storm", "lucky", "shadow",
)  # fmt: skip


@dataclass(frozen=True)
class Pools:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    streets: tuple[str, ...]
    staff_first: dict[str, tuple[str, ...]]
    staff_last: dict[str, tuple[str, ...]]


@cache
def pools(seed: int) -> Pools:
    fakes = {"id_ID": make_faker("id_ID", derive_seed("pool", "id_ID", seed))}
    fakes["en_US"] = make_faker("en_US", derive_seed("pool", "en_US", seed))
    ind = fakes["id_ID"]

    def many(make: object) -> tuple[str, ...]:
        assert callable(make)
        return tuple(str(make()) for _ in range(POOL))

    def staff(fake: Faker) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return many(fake.first_name), many(fake.last_name)

    staff_names = {locale: staff(fake) for locale, fake in fakes.items()}
    return Pools(
        male=many(ind.first_name_male),
        female=many(ind.first_name_female),
        last=many(ind.last_name),
        streets=many(ind.street_address),
        staff_first={k: v[0] for k, v in staff_names.items()},
        staff_last={k: v[1] for k, v in staff_names.items()},
    )


@dataclass(slots=True)
class Location:
    """Where an account's addresses point: ``regency`` (or ``district``) blocks of a place, the nationwide
    ``mobile`` range, an ``abroad`` block, ``unregistered`` addresses, or ``none`` (no addresses at all)."""

    kind: str
    place: Place | None = None
    country: str | None = None
    estimate: bool = False  # the ESP gives an estimatedLocation (province and city of `place`)


@dataclass(slots=True)
class Account:
    esp: Esp
    service: str
    screen_name: str
    user_id: str
    display_name: str
    created: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    age: int | None = None
    birth: date | None = None
    street: str | None = None
    disabled: datetime | None = None  # when the ESP disabled the account, if it did
    devices: list[tuple[str, str]] = field(default_factory=list)
    location: Location = field(default_factory=lambda: Location("none"))
    ips: list[str] = field(default_factory=list)


def _screen_name(rng: random.Random, first: str, last: str) -> str:
    word = pick(rng, WORDS)
    style = below(rng, 4)
    if style == 0:
        return f"{first.lower()}{last[:3].lower()}{between(rng, 10, 9999)}"
    if style == 1:
        return f"{first.lower()}_{word}"
    if style == 2:
        return f"{word}.{first.lower()}{below(rng, 100)}"
    return f"{word}{between(rng, 100, 99999)}"


def new_account(rng: random.Random, pool: Pools, esp: Esp, service: str, when: datetime) -> Account:
    """A person's account on `esp`, created some time before `when` (no identifiers beyond the account yet)."""
    female = rng.random() < 0.5
    first = (pool.female if female else pool.male)[below(rng, POOL)]
    last = pool.last[below(rng, POOL)]
    first_word = first.split()[0]
    name = _screen_name(rng, first_word, last)
    display = first_word if rng.random() < 0.5 else f"{first_word} {last[0]}."
    created = when - timedelta(days=rng.uniform(3, 2000))
    return Account(
        esp=esp,
        service=service,
        screen_name=name,
        user_id=str(between(rng, 10**11, 10**15)),
        display_name=display,
        created=created.replace(microsecond=0),
        first_name=first_word,
        last_name=last,
    )


def add_contacts(rng: random.Random, fake: SafeIdentifiers, account: Account, d_phone: float, d_device: float) -> None:
    """Email, optionally phone and device ids, for a reported user."""
    account.email = fake.reserved_email(f"{account.screen_name.replace('.', '_')}{below(rng, 100)}")
    if rng.random() < d_phone:
        account.phone = fake.indonesian_mobile()
    if rng.random() < d_device:
        choice = below(rng, 3)
        if choice == 0:
            account.devices.append(("IMEI", fake.invalid_imei()))
        elif choice == 1:
            mac = fake.documentation_mac() if rng.random() < 0.5 else fake.local_mac()
            account.devices.append(("MAC", mac))
        else:
            account.devices.append(("Advertising ID", fake.advertising_id()))


def staff_name(rng: random.Random, pool: Pools, esp: Esp) -> tuple[str, str]:
    locale = esp.staff_locale
    return pool.staff_first[locale][below(rng, POOL)], pool.staff_last[locale][below(rng, POOL)]


def locate(
    rng: random.Random,
    fake: SafeIdentifiers,
    plan: Plan,
    account: Account,
    count: int,
    *,
    place_kind: str | None = None,
) -> None:
    """Give the account a location and `count` addresses there (see `Location`)."""
    d, t = plan.d, plan.tables
    draw = rng.random()
    kind = place_kind or (
        "abroad"
        if draw < d.abroad_share
        else "mobile"
        if draw < d.abroad_share + d.mobile_share
        else "unregistered"
        if draw < d.abroad_share + d.mobile_share + d.unresolved_share
        else "regency"
    )
    province = t.provinces.pick(rng)
    regencies = t.geo.regencies[province.iso]
    place = pick(rng, regencies)
    districts = t.geo.districts.get(place.regency_code)
    if kind == "regency" and districts and rng.random() < d.kecamatan_share:
        place, kind = pick(rng, districts), "district"
    v6 = rng.random() < d.ipv6_share
    if kind in ("regency", "district"):
        account.location = Location(kind, place, "ID")
        account.ips = [
            fake.ipv6_in_block(place.v6_group3) if v6 else fake.ipv4_in_block(place.v4_first, place.v4_size)
            for _ in range(count)
        ]
    elif kind == "mobile":
        account.location = Location(kind, None, "ID")
        account.ips = [fake.mobile_ipv4() for _ in range(count)]
    elif kind == "abroad":
        country = "SG" if rng.random() < 0.6 else "MY"
        account.location = Location(kind, None, country)
        account.ips = [fake.abroad_ipv4(country) for _ in range(count)]
    else:
        estimate = rng.random() < d.estimate_share
        account.location = Location(kind, place if estimate else None, "ID" if estimate else None, estimate)
        account.ips = [fake.unregistered_ip(v6) for _ in range(count)] if kind == "unregistered" else []
    account.ips = list(dict.fromkeys(account.ips))
