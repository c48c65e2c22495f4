"""Networks and addresses in one comparable form: 32 hex digits in the IPv6 space (IPv4 as ``::ffff:a.b.c.d``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from app.reports import identifiers

_V4_MAPPED = 0xFFFF << 32


@dataclass(frozen=True, slots=True)
class Network:
    cidr: str
    version: int
    first: str
    last: str
    prefix_length: int  # in the shared IPv6 space


def _key(value: int, version: int) -> str:
    return f"{(value | _V4_MAPPED) if version == 4 else value:032x}"


def parse_network(text: str) -> Network:
    """A canonical network; ValueError for anything that is not one (host bits set included)."""
    net = ipaddress.ip_network(text.strip(), strict=True)
    extra = 96 if net.version == 4 else 0
    return Network(
        cidr=str(net),
        version=net.version,
        first=_key(int(net.network_address), net.version),
        last=_key(int(net.broadcast_address), net.version),
        prefix_length=net.prefixlen + extra,
    )


def address_value(text: str) -> int | None:
    """An address (any form the intake accepts) as a number in the shared IPv6 space, or None if it is not one."""
    address = identifiers.parse_ip(text)
    if address is None:
        return None
    return int(address) | _V4_MAPPED if address.version == 4 else int(address)


def address_key(text: str) -> str | None:
    """The lookup key of an address (any form the intake accepts), or None if it is not one."""
    value = address_value(text)
    return None if value is None else f"{value:032x}"


def is_reserved(network: Network) -> bool:
    net = ipaddress.ip_network(network.cidr)
    return any(net.version == r.version and net.subnet_of(r) for r in identifiers.RESERVED_NETWORKS)  # type: ignore[arg-type]
