"""The registry every new exercise starts with: deterministic, inside the reserved ranges only.

Allocation (documented in docs/section-b.md):
- ``198.18.0.0/15`` (RFC 2544 benchmarking) in /25 blocks: one per regency or city, in Kemendagri code order
  (514 blocks, 198.18.0.0/25 … 198.19.0.128/25), then one per listed kecamatan (24 blocks);
- ``2001:db8::/32`` (RFC 3849) in /48 blocks: ``2001:db8:<n>::/48`` for the n-th regency or city (n from 1), and
  ``2001:db8:f<nnn>::/48`` for the n-th kecamatan;
- ``192.0.2.0/24`` (TEST-NET-1): an Indonesian nationwide mobile range, province unknown (carrier-grade NAT);
- ``198.51.100.0/25`` and ``198.51.100.128/25`` (TEST-NET-2): abroad (Singapore, Malaysia);
- ``203.0.113.0/24`` (TEST-NET-3) and ``3fff::/20`` stay unregistered: addresses there geolocate to nothing.
ISPs are invented names on ``.example`` domains, spread over the blocks by a fixed rule.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache

from app import geo
from app.addresses.network import Network, parse_network

ISPS: tuple[str, ...] = (
    "Lintasnusa Net",
    "Samudra Kabel Data",
    "Awanraya Broadband",
    "Pelita Seluler",
    "Rimbanet Fiber",
    "Telukdata Access",
    "Bintang Timur Link",
    "Kenari Wireless",
)
MOBILE_ISP = "Pelita Seluler"


@dataclass(frozen=True, slots=True)
class BlockSpec:
    network: Network
    country: str
    province: str | None
    regency_code: str | None
    city: str | None
    district: str | None
    isp: str
    note: str | None = None


def _v4_slash25(index: int) -> Network:
    base = int(ipaddress.IPv4Address("198.18.0.0"))
    return parse_network(f"{ipaddress.IPv4Address(base + index * 128)}/25")


@cache
def default_blocks() -> tuple[BlockSpec, ...]:
    blocks: list[BlockSpec] = []
    regencies = geo.regencies()
    by_code = {r.code: r for r in regencies}
    for n, r in enumerate(regencies):
        for network in (_v4_slash25(n), parse_network(f"2001:db8:{n + 1:x}::/48")):
            isp = ISPS[(n + network.version) % len(ISPS)]
            blocks.append(BlockSpec(network, geo.COUNTRY, r.province, r.code, r.name, None, isp))
    for n, d in enumerate(geo.districts()):
        r = by_code[d.regency]
        for network in (_v4_slash25(len(regencies) + n), parse_network(f"2001:db8:f{n:03x}::/48")):
            isp = ISPS[(n + 3) % len(ISPS)]
            blocks.append(BlockSpec(network, geo.COUNTRY, r.province, r.code, r.name, d.name, isp))
    blocks.append(
        BlockSpec(parse_network("192.0.2.0/24"), geo.COUNTRY, None, None, None, None, MOBILE_ISP, "nationwide mobile")
    )
    blocks.append(BlockSpec(parse_network("198.51.100.0/25"), "SG", None, None, None, None, "Harbourline Transit"))
    blocks.append(BlockSpec(parse_network("198.51.100.128/25"), "MY", None, None, None, None, "Semenanjung Net"))
    return tuple(blocks)
