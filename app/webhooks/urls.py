"""Where webhooks may be sent (the SSRF guard).

A webhook URL is ``http`` or ``https``, without user information or fragment, and its host must resolve. It is
allowed when its host name is listed in ``TIPDESK_WEBHOOK_ALLOWED_HOSTS``, or when *every* address the name resolves
to is a loopback address or lies in a network (CIDR) listed there. The decision is made on the resolved addresses,
not on the name, so ``localhost.example`` pointing elsewhere is refused; it is checked again before each delivery,
so a name that has since moved to another address is not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.core.config import Settings

MAX_URL_CHARS = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UrlRefused(ValueError):
    """The URL is malformed, does not resolve, or points somewhere webhooks may not go."""


@dataclass(frozen=True, slots=True)
class AllowList:
    names: frozenset[str]
    networks: tuple[IpNetwork, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> AllowList:
        names: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in settings.webhook_allowed_hosts:
            value = entry.strip().lower().rstrip(".")
            if not value:
                continue
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                names.add(value)
        return cls(frozenset(names), tuple(networks))

    def permits(self, host: str, addresses: Iterable[IpAddress]) -> bool:
        if _normal_host(host) in self.names:
            return True
        found = list(addresses)
        return bool(found) and all(self._address_ok(a) for a in found)

    def _address_ok(self, address: IpAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            return True
        return any(address.version == n.version and address in n for n in self.networks)


def _normal_host(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def parse(url: str) -> SplitResult:
    """Check the URL's form (not where it points); return its parts."""
    if len(url) > MAX_URL_CHARS:
        raise UrlRefused(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"the URL cannot be read: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise UrlRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("the URL must not carry user information; authenticate the signature instead")
    if parts.fragment:
        raise UrlRefused("the URL must not have a fragment")
    if port == 0:
        raise UrlRefused("port 0 is not a port to deliver to")
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _addresses(infos: Iterable[tuple[object, ...]]) -> set[IpAddress]:
    found: set[IpAddress] = set()
    for info in infos:
        sockaddr = info[4]
        if isinstance(sockaddr, tuple) and sockaddr:
            found.add(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return found


def _verdict(parts: SplitResult, addresses: set[IpAddress], allow: AllowList) -> None:
    host = parts.hostname or ""
    if not allow.permits(host, addresses):
        shown = ", ".join(sorted(str(a) for a in addresses)) or "nothing"
        raise UrlRefused(
            f"{host} resolves to {shown}: webhooks go only to loopback addresses or to hosts in "
            "TIPDESK_WEBHOOK_ALLOWED_HOSTS"
        )


def check(url: str, settings: Settings) -> str:
    """Validate a URL for registration (resolves the host, blocking); return it unchanged or raise UrlRefused."""
    parts = parse(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, _port(parts), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UrlRefused(f"the host {parts.hostname} does not resolve ({exc})") from None
    _verdict(parts, _addresses(infos), AllowList.from_settings(settings))
    return url


async def check_async(url: str, settings: Settings) -> None:
    """The same check before a delivery, resolving without blocking the event loop."""
    parts = parse(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, _port(parts), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UrlRefused(f"the host {parts.hostname} does not resolve ({exc})") from None
    _verdict(parts, _addresses(infos), AllowList.from_settings(settings))
