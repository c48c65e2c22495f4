"""Safe Faker providers: every identifier they make lies in a range reserved for documentation or testing
(``../shared/reference/safe-identifiers.md``), so no generated value can point at a real host, mailbox, phone,
device or account.

- IPv4 only from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737) and 198.18.0.0/15 (RFC 2544); IPv6 only
  from 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637). Addresses inside a registry block are drawn from that
  block, so the exercise's synthetic address registry geolocates them to the intended place.
- Domains only ``example.com/.net/.org`` and names under ``.example`` and ``.test`` (RFC 2606, RFC 6761).
- Phone numbers: Indonesia ``+62 84x-xxxx-xxxx`` (0840-0849 are unassigned in libphonenumber's metadata: every
  such number is invalid there, and a test keeps it so), US 555-0100..0199 under a geographic area code, UK Ofcom
  drama numbers 07700 900000..900999.
- MACs from the documentation block 00-00-5E-00-53-00..FF (RFC 9542) or locally administered (second hex digit 2,
  6, A or E); IMEI-shaped values whose Luhn check digit is wrong; advertising ids as random UUID-shaped text.
- File hashes are random bits: no file lies behind them.

Faker's own ``ipv4()``, ``ipv4_public()``, ``ipv6()``, ``email()``, ``free_email()``, ``company_email()``,
``url()``, ``uri()``, ``domain_name()``, ``phone_number()`` and ``company()`` can return real values and are never
called in ``seed/`` (tests/seed/test_safety.py inspects the code and runs the generator with them disabled).
"""

from __future__ import annotations

from collections.abc import Sequence

from faker import Faker
from faker.providers import BaseProvider

from seed.rand import below, pick

MOBILE_V4 = (0xC0000200, 256)  # 192.0.2.0/24: Indonesian nationwide mobile range in the default registry
ABROAD_V4 = {"SG": (0xC6336400, 128), "MY": (0xC6336480, 128)}  # 198.51.100.0/25, 198.51.100.128/25
UNREGISTERED_V4 = (0xCB007100, 256)  # 203.0.113.0/24: in no registry block
MAIL_DOMAINS = ("surel.example", "posku.example", "kotakmail.test", "example.net", "example.org", "example.com")
STAFF_DOMAINS = ("example.com", "example.org")
UK_DRAMA_BLOCK = "7700 900"
US_AREA_CODES = ("202", "312", "415", "512", "617", "206", "303")
FILE_EXTENSIONS = {"photo": ("jpg", "jpeg", "png", "heic", "webp"), "video": ("mp4", "mov", "3gp", "webm")}
MIME_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "zip": "application/zip",
    "pdf": "application/pdf",
    "txt": "text/plain",
}
OTHER_EXTENSIONS = ("zip", "pdf", "txt")
DEVICE_MAKERS = ("Nusantara Optik", "Kencana Mobile", "Rajawali Devices", "Samudra Tech")
DEVICE_MODELS = ("NX-12", "K7 Pro", "R-Lite 3", "S20 Mini", "A5 Plus", "Lumen 8")


class SafeProvider(BaseProvider):
    """A provider drawing from its Faker's seeded generator with the fast draws of ``seed.rand``."""

    def _below(self, n: int) -> int:
        return below(self.generator.random, n)

    def _pick(self, items: Sequence[str]) -> str:
        return pick(self.generator.random, items)


def _v4(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


class NetworkProvider(SafeProvider):
    """Addresses in the reserved ranges, in canonical text form (as intake normalises them)."""

    def ipv4_in_block(self, first: int, size: int) -> str:
        """A host address of the IPv4 block starting at `first` (an int) with `size` addresses."""
        return _v4(first + 1 + self._below(size - 2))

    def ipv6_in_block(self, group3: int) -> str:
        """An address of ``2001:db8:<group3>::/48``; the other groups non-zero so the text is canonical."""
        rand = self._below
        return f"2001:db8:{group3:x}:" + ":".join(f"{1 + rand(0xFFFF):x}" for _ in range(5))

    def mobile_ipv4(self) -> str:
        return self.ipv4_in_block(*MOBILE_V4)

    def abroad_ipv4(self, country: str) -> str:
        return self.ipv4_in_block(*ABROAD_V4[country])

    def unregistered_ip(self, v6: bool) -> str:
        """An address in no registry block: TEST-NET-3 or 3fff::/20."""
        if not v6:
            return self.ipv4_in_block(*UNREGISTERED_V4)
        rand = self._below
        return f"3fff:{1 + rand(0xFFF):x}:" + ":".join(f"{1 + rand(0xFFFF):x}" for _ in range(6))


class ReservedInternetProvider(SafeProvider):
    """Mail addresses and URLs on reserved domains only."""

    def personal_mail_domain(self) -> str:
        return self._pick(MAIL_DOMAINS)

    def reserved_email(self, local: str, domain: str | None = None) -> str:
        return f"{local}@{domain or self.personal_mail_domain()}".lower()

    def profile_url(self, domain: str, screen_name: str) -> str:
        return f"https://{domain}/u/{screen_name}"

    def content_url(self, domain: str) -> str:
        rand = self.generator.random.getrandbits
        return f"https://{domain}/p/{rand(48):012x}"

    def file_url(self, domain: str, file_id: str) -> str:
        return f"https://cdn.{domain}/f/{file_id}"


class FictionalPhoneProvider(SafeProvider):
    """Phone numbers from documented fictional ranges, written as people write them (with the country code)."""

    def indonesian_mobile(self) -> str:
        """``+62 84x-xxxx-xxxx``: shaped like a mobile number, in a block libphonenumber treats as unassigned."""
        rand = self._below
        return f"+62 84{rand(10)}-{rand(10_000):04d}-{rand(10_000):04d}"

    def us_fictional(self) -> str:
        rand = self._below
        return f"+1 {self._pick(US_AREA_CODES)}-555-01{rand(100):02d}"

    def uk_drama(self) -> str:
        return f"+44 {UK_DRAMA_BLOCK}{self._below(1000):03d}"

    @staticmethod
    def e164(text: str) -> str:
        """The E.164 form of a number this provider wrote (digits after the plus sign)."""
        return "+" + "".join(ch for ch in text if ch.isdigit())


class DeviceProvider(SafeProvider):
    """Device identifiers from non-assignable spaces, in intake's normalised form."""

    def documentation_mac(self) -> str:
        return f"00-00-5E-00-53-{self._below(256):02X}"

    def local_mac(self) -> str:
        rand = self._below
        first = (rand(256) & 0xFC) | 0x02  # locally administered, unicast: second hex digit 2, 6, A or E
        return "-".join(f"{b:02X}" for b in (first, *(rand(256) for _ in range(5))))

    def invalid_imei(self) -> str:
        """15 digits whose last (check) digit fails the Luhn test."""
        rand = self._below
        body = f"35{rand(10**12):012d}"
        check = _luhn_digit(body)
        return body + str((check + 1 + rand(9)) % 10)

    def advertising_id(self) -> str:
        bits = self.generator.random.getrandbits(128)
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"


def _luhn_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


class FileProvider(SafeProvider):
    """File names, sizes, MIME types, EXIF-like pairs and random hashes (no content anywhere)."""

    def file_extension(self, kind: str) -> str:
        return self._pick(FILE_EXTENSIONS.get(kind, OTHER_EXTENSIONS))

    def camera_file_name(self, kind: str, ext: str, day: str) -> str:
        rand = self._below
        if kind == "photo":
            return self._pick((f"IMG_{rand(10_000):04d}.{ext}", f"IMG-{day}-WA{rand(10_000):04d}.{ext}"))
        if kind == "video":
            return self._pick((f"VID_{day}_{rand(1_000_000):06d}.{ext}", f"VID-{day}-WA{rand(1000):04d}.{ext}"))
        return f"file_{rand(100_000):05d}.{ext}"

    def file_size(self, kind: str) -> int:
        rand = self.generator.random
        if kind == "photo":
            return int(rand.lognormvariate(13.2, 0.8))  # median ~540 KB
        if kind == "video":
            return int(rand.lognormvariate(16.3, 1.1))  # median ~12 MB
        return int(rand.lognormvariate(11.5, 1.5))

    def hex_hash(self, bits: int) -> str:
        return f"{self.generator.random.getrandbits(bits):0{bits // 4}x}"

    def device_maker(self) -> str:
        return self._pick(DEVICE_MAKERS)

    def device_model(self) -> str:
        return self._pick(DEVICE_MODELS)


class SafeIdentifiers(NetworkProvider, ReservedInternetProvider, FictionalPhoneProvider, DeviceProvider, FileProvider):
    """All the safe providers in one, so hot loops can call them directly (``kit(fake)``) rather than through the
    Faker proxy's attribute lookup, which costs more than the draw itself."""


def make_faker(locale: str, seed: int) -> Faker:
    """One Faker for one locale, with the safe providers, seeded for this instance only (never class-wide)."""
    fake = Faker(locale)
    fake.add_provider(SafeIdentifiers)
    fake.seed_instance(seed)
    return fake


def kit(fake: Faker) -> SafeIdentifiers:
    """The safe providers of a Faker made by `make_faker` (they draw from that Faker's seeded generator)."""
    return next(p for p in fake.get_providers() if isinstance(p, SafeIdentifiers))
