"""Is an identifier inside a range reserved for documentation and testing? Pure functions, no I/O.

The allowed ranges are those of ../shared/reference/safe-identifiers.md. Every `check_*` function returns a `Verdict`
(`ok`, `reason`); the reason is short, free of the value itself (so findings aggregate) and says why a value is
refused. The checks are allow-lists: a value is accepted only when it is shown to lie in a reserved range.

Decisions beyond the reference page:
- **Private-use, shared (CGNAT), loopback, link-local, unique-local, multicast and other special-purpose IP addresses
  are refused**, each with its own reason. They do not point at a person on the internet, but they are not reserved
  for documentation either, and real reports carry them (addresses behind NAT, internal log lines), so their
  presence is a sign of copied data. Fabricated data has the documentation blocks for every need.
  An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is judged by the IPv4 address it carries.
- **NANP**: 555-0100…555-0199 is reserved under geographic area codes only; a toll-free code (800, 833, 844, 855,
  866, 877, 888) with 555-01XX can be an assigned number, so it is refused.
- **UK**: all Ofcom drama ranges (1,000 numbers each) are accepted: the geographic ones (Leeds, Sheffield, Nottingham,
  Leicester, Bristol, Reading, Birmingham, Edinburgh, Glasgow, Liverpool, Manchester `01xx 496 0xxx`; Tyneside
  `0191 498 0xxx`; London `020 7946 0xxx`; Northern Ireland `028 9018 0xxx`; Cardiff `029 2018 0xxx`; no area
  `01632 960xxx`), mobile `07700 900xxx`, freephone `08081 570xxx`, premium rate `0909 879 0xxx` and UK-wide
  `03069 990xxx`.
- **Indonesia**: `+62 84x…` numbers are accepted only while libphonenumber calls them invalid; any other number that
  libphonenumber cannot place in a reserved range is refused, valid or not (an allow-list, like the other kinds).
  A number without `+` needs the XSD's `countryCallingCode`; without one it cannot be placed and is refused.
- **Device ids**: the XSD's `idType` is free text. A type naming IMEI (or IMEISV) applies the IMEI rule, one naming
  MAC (or EUI-48) the MAC rule; other types fall back to the value's shape (a MAC-shaped value, 15 digits). Opaque
  ids of other kinds (advertising ids, serial numbers) have no reserved range and are accepted.
- Domains are compared after IDNA mapping (so `example。com` is `example.com`); an IP-literal host follows the IP rules.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

import phonenumbers

IdentifierKind = Literal["ip", "email", "url", "phone", "mac", "imei"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of one check: `ok` (inside a reserved range) or not, with the reason when not."""

    ok: bool
    reason: str | None = None


OK = Verdict(True)


def _refuse(reason: str) -> Verdict:
    return Verdict(False, reason)


# --- IP addresses -------------------------------------------------------------------------------------------------

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RESERVED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("192.0.2.0/24"),  # RFC 5737 TEST-NET-1
    ipaddress.ip_network("198.51.100.0/24"),  # RFC 5737 TEST-NET-2
    ipaddress.ip_network("203.0.113.0/24"),  # RFC 5737 TEST-NET-3
    ipaddress.ip_network("198.18.0.0/15"),  # RFC 2544 benchmarking
    ipaddress.ip_network("2001:db8::/32"),  # RFC 3849 documentation
    ipaddress.ip_network("3fff::/20"),  # RFC 9637 documentation
)
_PRIVATE_USE: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("fc00::/7"),
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT


_IPV4_CHARACTERS = frozenset("0123456789.")


@lru_cache(maxsize=4096)
def parse_ip(value: str) -> IpAddress | None:
    """The address written in `value` (surrounding whitespace and IPv6 brackets allowed), or None.

    Cached: the guard and indicator extraction read the same addresses (addresses are immutable)."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" not in text and not _IPV4_CHARACTERS.issuperset(text):
        return None  # neither an IPv6 address (it has a colon) nor a dotted IPv4 one: a host name, most often
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalize_ip(value: str) -> str | None:
    """Canonical text of an IP address (IPv6 compressed and lower-case), or None if `value` is not one."""
    address = parse_ip(value)
    return None if address is None else str(address)


_Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
_Ranges = tuple[tuple[int, int, int], ...]


def _ranges(networks: _Networks) -> _Ranges:
    """(version, first address, netmask) of each network, as integers: a membership test without `ipaddress`."""
    return tuple((net.version, int(net.network_address), int(net.netmask)) for net in networks)


_RESERVED_RANGES = _ranges(RESERVED_NETWORKS)
_PRIVATE_USE_RANGES = _ranges(_PRIVATE_USE)


def _in_any(address: IpAddress, ranges: _Ranges) -> bool:
    version, value = address.version, int(address)
    return any(net_version == version and value & netmask == first for net_version, first, netmask in ranges)


def check_ip(value: str) -> Verdict:
    """Accepted: the IPv4 documentation and benchmarking blocks and the IPv6 documentation prefixes."""
    address = parse_ip(value)
    if address is None:
        return _refuse("not an IP address")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if _in_any(address, _RESERVED_RANGES):
        return OK
    if address.is_loopback:
        return _refuse("loopback address: not reserved for documentation")
    if address.is_link_local:
        return _refuse("link-local address: not reserved for documentation")
    if _in_any(address, _PRIVATE_USE_RANGES):
        return _refuse("private-use address (RFC 1918 / RFC 4193): not reserved for documentation")
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return _refuse("shared address space (RFC 6598): not reserved for documentation")
    if address.is_global and not address.is_multicast:
        return _refuse("publicly routable address")
    return _refuse("special-purpose address: not reserved for documentation")


# --- Domains, emails, URLs ----------------------------------------------------------------------------------------

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_DOMAIN_REFUSED = "domain not reserved for documentation (RFC 2606 / RFC 6761)"


def normalize_host(host: str) -> str | None:
    """Lower-case ASCII form of a host name (IDNA-mapped, without a trailing dot), or None if it is not one."""
    text = host.strip().rstrip(".")
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    text = text.lower()
    if not text or not all(_LABEL.match(label) for label in text.split(".")):
        return None
    return text


@lru_cache(maxsize=4096)
def check_domain(host: str) -> Verdict:
    """Accepted: example.com/.net/.org and their subdomains, any name under .example, .test or .invalid.
    An IP literal follows `check_ip`."""
    if parse_ip(host) is not None:
        return check_ip(host)
    name = normalize_host(host)
    if name is None:
        return _refuse("not a host name")
    if any(name == d or name.endswith("." + d) for d in RESERVED_DOMAINS) or name.rsplit(".", 1)[-1] in RESERVED_TLDS:
        return OK
    return _refuse(_DOMAIN_REFUSED)


_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_NOT_IN_DOMAIN = frozenset(' \t,;<>()"\\')


def _split_email(value: str) -> tuple[str, str] | None:
    """One plain address: exactly one `@`, an unquoted local part, no display name, list or comment."""
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.count("@") != 1:
        return None
    local, _, domain = text.partition("@")
    if not local or not domain or not _LOCAL_PART.match(local) or not _NOT_IN_DOMAIN.isdisjoint(domain):
        return None
    return local, domain


def normalize_email(value: str) -> str | None:
    """The address lower-cased as a whole (`mailto:` and a display name removed), or None if it is not one."""
    parts = _split_email(value)
    return None if parts is None else f"{parts[0]}@{parts[1]}".lower()


def check_email(value: str) -> Verdict:
    """Accepted: an address whose domain passes `check_domain` (an `[IP]` literal follows `check_ip`)."""
    parts = _split_email(value)
    if parts is None:
        return _refuse("not an email address")
    domain = parts[1]
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        return check_ip(literal[5:] if literal[:5].lower() == "ipv6:" else literal)
    return check_domain(domain)


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")  # `\s`: what str.isspace() calls whitespace


def url_host(value: str) -> str | None:
    """The host of a URL (lower-case, IPv6 without brackets); a URL without a scheme is read as `//host/...`."""
    text = value.strip()
    if "\\" in text or _SPACE_OR_CONTROL.search(text):
        return None  # browsers read `\` as `/`: `http://a.test\@b.test/` would go elsewhere than it seems
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    try:
        return urlsplit(text).hostname or None
    except ValueError:
        return None


def normalize_url(value: str) -> str:
    """The URL with its scheme and host lower-cased; the rest (user info, path, query, fragment) is kept as is."""
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    userinfo, at, hostport = parts.netloc.rpartition("@")
    return parts._replace(scheme=parts.scheme.lower(), netloc=f"{userinfo}{at}{hostport.lower()}").geturl()


def check_url(value: str) -> Verdict:
    """Accepted: a URL whose host passes `check_domain`; a `mailto:` URL follows `check_email`."""
    if value.strip()[:7].lower() == "mailto:":
        return check_email(value)
    host = url_host(value)
    if host is None:
        return _refuse("not a URL with a host")
    return check_domain(host)


# --- Phone numbers ------------------------------------------------------------------------------------------------

_TOLL_FREE_NPA = frozenset({"800", "833", "844", "855", "866", "877", "888"})
UK_DRAMA_PREFIXES = frozenset(
    [f"1{area}4960" for area in ("13", "14", "15", "16", "17", "18", "21", "31", "41", "51", "61")]
    + ["1914980", "2079460", "2890180", "2920180", "1632960", "7700900", "8081570", "9098790", "3069990"]
)
"""Ofcom drama ranges as the first 7 digits of the 10-digit national significant number (then 000 to 999)."""


def parse_phone(value: str, country_calling_code: str | None = None) -> phonenumbers.PhoneNumber | None:
    """The number in `value`; one written without `+` is read in the country of `country_calling_code` (`+62`).
    None when it cannot be parsed or has an impossible length."""
    text = value.strip()
    if not text:
        return None
    try:
        if text.startswith("+") or country_calling_code is None:
            number = phonenumbers.parse(text, None)
        else:
            region = phonenumbers.region_code_for_country_code(int(country_calling_code.lstrip("+")))
            if region in (phonenumbers.UNKNOWN_REGION, "001"):
                number = phonenumbers.parse(f"+{country_calling_code.lstrip('+')} {text}", None)
            else:
                number = phonenumbers.parse(text, region)
    except (phonenumbers.NumberParseException, ValueError):
        return None
    return number if phonenumbers.is_possible_number(number) else None


@lru_cache(maxsize=4096)
def _shared_phone(value: str, country_calling_code: str | None) -> phonenumbers.PhoneNumber | None:
    """`parse_phone`, cached for the checks and normalisation of one number (read only: never modify it)."""
    return parse_phone(value, country_calling_code)


def normalize_phone(value: str, country_calling_code: str | None = None) -> str | None:
    """E.164 form (`+6284012345678`), or None when the number cannot be parsed (see `parse_phone`)."""
    number = _shared_phone(value, country_calling_code)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_phone(value: str, country_calling_code: str | None = None) -> Verdict:
    """Accepted: US 555-0100…0199 under a geographic area code, the Ofcom drama ranges, and +62 84x numbers
    libphonenumber calls invalid."""
    number = _shared_phone(value, country_calling_code)
    if number is None:
        if country_calling_code is None and not value.strip().startswith("+"):
            return _refuse("not a phone number with a country code (no + and no countryCallingCode)")
        return _refuse("not a phone number")
    nsn = phonenumbers.national_significant_number(number)
    code = number.country_code
    if code == 1 and len(nsn) == 10 and nsn[3:8] == "55501" and nsn[0] in "23456789":
        if nsn[:3] in _TOLL_FREE_NPA:
            return _refuse("555-01XX under a toll-free code is not reserved")
        return OK
    if code == 44 and len(nsn) == 10 and nsn[:7] in UK_DRAMA_PREFIXES:
        return OK
    valid = phonenumbers.is_valid_number(number)
    if code == 62 and nsn.startswith("84"):
        return _refuse("+62 84x number is valid in libphonenumber's metadata") if valid else OK
    if valid:
        return _refuse("number in a real numbering range")
    return _refuse("number outside the reserved fictional ranges")


# --- MAC addresses and IMEIs --------------------------------------------------------------------------------------

_MAC = re.compile(r"^[0-9a-f]{2}([-:]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$|^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$", re.I)
_MAC_SEPARATORS = re.compile(r"[-:.]")
_IMEI_SEPARATORS = re.compile(r"[\s./-]")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalize_mac(value: str) -> str | None:
    """IEEE form `00-00-5E-00-53-01` of a 48-bit MAC (`:`/`-`/none/Cisco-dotted input), or None."""
    text = value.strip()
    if not _MAC.match(text):
        return None
    digits = _MAC_SEPARATORS.sub("", text).upper()
    return "-".join(digits[i : i + 2] for i in range(0, 12, 2))


def check_mac(value: str) -> Verdict:
    """Accepted: 00-00-5E-00-53-00…FF (RFC 9542 documentation) and locally administered unicast addresses."""
    mac = normalize_mac(value)
    if mac is None:
        return _refuse("not a MAC address")
    if mac.startswith("00-00-5E-00-53-") or mac[1] in "26AE":
        return OK
    return _refuse("universally administered (vendor-assigned) MAC address")


def normalize_imei(value: str) -> str | None:
    """The 15 digits of an IMEI-shaped value (spaces, dots, slashes and hyphens removed), or None."""
    digits = _IMEI_SEPARATORS.sub("", value)
    return digits if len(digits) == 15 and digits.isascii() and digits.isdigit() else None


def luhn_valid(digits: str) -> bool:
    """Whether the last digit of `digits` is the Luhn check digit of the others."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def check_imei(value: str) -> Verdict:
    """Accepted: 15 digits whose check digit is NOT the Luhn digit (a real IMEI always carries the right one)."""
    imei = normalize_imei(value)
    if imei is None:
        return _refuse("not a 15-digit IMEI")
    return _refuse("IMEI with a valid Luhn check digit") if luhn_valid(imei) else OK


@lru_cache(maxsize=4096)
def device_id_kind(id_type: str, value: str) -> Literal["mac", "imei"] | None:
    """Which rule applies to a `deviceId`: by its `idType` words, else by the value's shape; None for other ids.
    Cached: the guard and indicator extraction both ask."""
    words = set(_NOT_ALPHANUMERIC.split(id_type.lower()))
    if words & {"imei", "imeisv"}:
        return "imei"
    if words & {"mac", "eui48", "eui"}:
        return "mac"
    if normalize_mac(value) is not None:
        return "mac"
    if normalize_imei(value) is not None:
        return "imei"
    return None


def check_device_id(id_type: str, value: str) -> Verdict:
    """`check_mac` or `check_imei` as `device_id_kind` decides; other device ids have no reserved range."""
    kind = device_id_kind(id_type, value)
    if kind == "mac":
        return check_mac(value)
    if kind == "imei":
        return check_imei(value)
    return OK
