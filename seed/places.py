"""Where seeded users are: provinces weighted by population, their regencies and cities (from ``app.geo``, all 38
provinces), the listed kecamatan where jurisdiction needs them, and the default registry block of each place, so an
address drawn for a place geolocates back to it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache

from app import geo
from app.addresses.defaults import default_blocks


@dataclass(frozen=True, slots=True)
class Place:
    province: str  # ISO 3166-2:ID
    province_name: str
    regency_code: str
    regency_name: str
    district: str | None
    v4_first: int
    v4_size: int
    v6_group3: int  # the third group of its 2001:db8:<n>::/48 block


@dataclass(frozen=True, slots=True)
class Geography:
    provinces: tuple[geo.Province, ...]
    province_weights: tuple[float, ...]  # population shares, summing to 1
    regencies: dict[str, tuple[Place, ...]]  # province ISO -> its regencies and cities (regency-level places)
    districts: dict[str, tuple[Place, ...]]  # regency code -> its listed kecamatan


@cache
def geography() -> Geography:
    v4: dict[tuple[str | None, str | None], tuple[int, int]] = {}
    v6: dict[tuple[str | None, str | None], int] = {}
    for block in default_blocks():
        if block.regency_code is None:
            continue
        net = ipaddress.ip_network(block.network.cidr)
        key = (block.regency_code, block.district)
        if net.version == 4:
            v4[key] = (int(net.network_address), net.num_addresses)
        else:
            v6[key] = (int(net.network_address) >> 80) & 0xFFFF
    provinces = geo.provinces()
    total = sum(p.population for p in provinces)
    by_province: dict[str, list[Place]] = {p.iso: [] for p in provinces}
    by_regency: dict[str, list[Place]] = {}
    names = {p.iso: p.name for p in provinces}
    for r in geo.regencies():
        first, size = v4[(r.code, None)]
        by_province[r.province].append(
            Place(r.province, names[r.province], r.code, r.name, None, first, size, v6[(r.code, None)])
        )
    for d in geo.districts():
        r = geo.regency(d.regency)
        first, size = v4[(r.code, d.name)]
        place = Place(r.province, names[r.province], r.code, r.name, d.name, first, size, v6[(r.code, d.name)])
        by_regency.setdefault(r.code, []).append(place)
    return Geography(
        provinces=provinces,
        province_weights=tuple(p.population / total for p in provinces),
        regencies={k: tuple(v) for k, v in by_province.items()},
        districts={k: tuple(v) for k, v in by_regency.items()},
    )
