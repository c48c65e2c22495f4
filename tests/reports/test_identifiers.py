"""Reserved-range checks of single identifiers: each kind refuses real-looking values and accepts reserved ones."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from app.reports import identifiers as ids

# Refused examples are well-known public values; they appear only as inputs to the refusal checks.
IP_CASES = [
    ("192.0.2.1", True),
    ("198.51.100.254", True),
    ("203.0.113.9", True),
    ("198.18.0.1", True),
    ("198.19.255.254", True),
    ("2001:db8::1", True),
    ("2001:DB8:ffff::abcd", True),
    ("3fff:0fff::1", True),
    ("::ffff:192.0.2.7", True),
    ("[2001:db8::2]", True),
    ("8.8.8.8", False),
    ("1.1.1.1", False),
    ("198.20.0.1", False),
    ("2001:4860:4860::8888", False),
    ("3fff:1000::1", False),
    ("::ffff:8.8.8.8", False),
    ("10.0.0.1", False),
    ("172.16.5.4", False),
    ("192.168.1.1", False),
    ("100.64.0.1", False),
    ("127.0.0.1", False),
    ("169.254.10.10", False),
    ("::1", False),
    ("fe80::1", False),
    ("fd12:3456::1", False),
    ("224.0.0.1", False),
    ("0.0.0.0", False),
    ("not-an-ip", False),
    ("192.0.2.1:443", False),
]


@pytest.mark.parametrize(("value", "ok"), IP_CASES)
def test_ip(value: str, ok: bool) -> None:
    verdict = ids.check_ip(value)
    assert verdict.ok is ok
    assert (verdict.reason is None) is ok


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("8.8.8.8", "publicly routable address"),
        ("10.1.2.3", "private-use address (RFC 1918 / RFC 4193): not reserved for documentation"),
        ("127.0.0.1", "loopback address: not reserved for documentation"),
        ("169.254.1.1", "link-local address: not reserved for documentation"),
        ("100.64.1.1", "shared address space (RFC 6598): not reserved for documentation"),
        ("junk", "not an IP address"),
    ],
)
def test_ip_reasons_name_the_category(value: str, reason: str) -> None:
    assert ids.check_ip(value).reason == reason


def test_ip_normalisation() -> None:
    assert ids.normalize_ip(" 2001:0DB8:0000:0000:0000:0000:0000:0001 ") == "2001:db8::1"
    assert ids.normalize_ip("192.0.2.10") == "192.0.2.10"
    assert ids.normalize_ip("nope") is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("user@example.com", True),
        ("User.Name@Mail.Example.ORG", True),
        ("a@example.net", True),
        ("a@pelangi-chat.example", True),
        ("a@awan-drive.test", True),
        ("a@nowhere.invalid", True),
        ("Budi <budi@example.com>", False),  # a display name is not a plain address
        ("victim@gmail.com@example.com", False),  # two addresses in one value: refused whole
        ("v@gmail.com,x@example.com", False),
        ('"v@gmail.com" <x@example.com>', False),
        ("mailto:a@example.org", True),
        ("a@[192.0.2.1]", True),
        ("a@[IPv6:2001:db8::1]", True),
        ("someone@gmail.com", False),
        ("someone@yahoo.co.id", False),
        ("a@example.com.attacker.io", False),
        ("a@notexample.com", False),
        ("a@[8.8.8.8]", False),
        ("no-at-sign", False),
        ("@example.com", False),
    ],
)
def test_email(value: str, ok: bool) -> None:
    assert ids.check_email(value).ok is ok


def test_email_normalisation_lower_cases_the_whole_address() -> None:
    assert ids.normalize_email(" User.Name@Mail.Example.COM ") == "user.name@mail.example.com"
    assert ids.normalize_email("mailto:Budi@Example.com") == "budi@example.com"
    assert ids.normalize_email("Budi <Budi@Example.com>") is None
    assert ids.normalize_email("nope") is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://example.com/u/1", True),
        ("HTTPS://WWW.EXAMPLE.NET:8443/a?b=c#d", True),
        ("http://cdn.pelangi-chat.example/media/1", True),
        ("ftp://files.awan-drive.test/x", True),
        ("example.org/profile/9", True),
        ("http://[2001:db8::1]:8080/", True),
        ("http://203.0.113.5/path", True),
        ("http://example\u3002com/", True),
        ("https://www.google.com/", False),
        ("facebook.com/profile.php?id=4", False),
        ("http://example.com@gmail.com/", False),
        ("http://example.com.evil.io/", False),
        ("https://example.com\\@gmail.com/", False),
        ("http://8.8.8.8/", False),
        ("http://134744072/", False),
        ("mailto:a@gmail.com", False),
        ("http:///no-host", False),
        ("", False),
    ],
)
def test_url(value: str, ok: bool) -> None:
    assert ids.check_url(value).ok is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("example.com", True),
        ("a.b.example.org", True),
        ("example", True),
        ("host.test.", True),
        ("gmail.com", False),
        ("example.co", False),
        ("bad host.example", False),
    ],
)
def test_domain(value: str, ok: bool) -> None:
    assert ids.check_domain(value).ok is ok


def test_url_normalisation_lower_cases_scheme_and_host_only() -> None:
    assert (
        ids.normalize_url("HTTPS://User@WWW.Example.COM:8443/Path?Q=A#F")
        == "https://User@www.example.com:8443/Path?Q=A#F"
    )
    assert ids.url_host("Example.ORG/x") == "example.org"
    assert ids.url_host("http://[2001:DB8::1]/") == "2001:db8::1"


@pytest.mark.parametrize(
    ("value", "cc", "ok"),
    [
        ("202-555-0123", "+1", True),
        ("+1 (415) 555-0199", None, True),
        ("+1 212 555 0100", None, True),
        ("07700 900123", "+44", True),
        ("+44 7700 900999", None, True),
        ("020 7946 0018", "+44", True),
        ("0113 496 0555", "+44", True),
        ("028 9018 0123", "+44", True),
        ("01632 960001", "+44", True),
        ("0840-1234-5678", "+62", True),
        ("+62 849 8765 4321", None, True),
        ("+1 650 253 0000", None, False),  # a real, valid US number
        ("+1 202 555 0200", None, False),  # 555 outside 0100-0199
        ("+1 800 555 0123", None, False),  # toll-free code: 555-01XX is not reserved there
        ("+44 20 7946 1000", None, False),  # London, outside the drama block
        ("+44 7700 901123", None, False),  # mobile, outside the drama block
        ("0812-3456-7890", "+62", False),  # a valid Indonesian mobile range
        ("+62 21 3456 7890", None, False),
        ("hello", "+1", False),
        ("12", "+1", False),
        ("202-555-0123", None, False),  # no country: cannot be placed
    ],
)
def test_phone(value: str, cc: str | None, ok: bool) -> None:
    assert ids.check_phone(value, cc).ok is ok


def test_phone_reasons() -> None:
    assert ids.check_phone("+1 650 253 0000").reason == "number in a real numbering range"
    assert ids.check_phone("hello", "+1").reason == "not a phone number"
    assert ids.check_phone("202-555-0123").reason == (
        "not a phone number with a country code (no + and no countryCallingCode)"
    )


def test_phone_normalisation_is_e164() -> None:
    assert ids.normalize_phone("(202) 555-0123", "+1") == "+12025550123"
    assert ids.normalize_phone("07700 900123", "+44") == "+447700900123"
    assert ids.normalize_phone("0840-1234-5678", "+62") == "+6284012345678"
    assert ids.normalize_phone("+62 0840 1234 5678") == "+6284012345678"
    assert ids.normalize_phone("+44 7700 900123", "+1") == "+447700900123"  # an explicit + wins
    assert ids.normalize_phone("nope", "+62") is None


def test_indonesian_84x_numbers_stay_invalid_in_libphonenumber() -> None:
    """safe-identifiers.md relies on +62 84x being unallocated; a metadata update allocating it must fail here."""
    rng = random.Random(20250301)
    samples = [
        f"+62 84{block} {rng.randrange(10_000):04d} {rng.randrange(10**length):0{length}d}"
        for block in range(10)
        for length in (3, 4)
        for _ in range(250)
    ]
    valid = [s for s in samples if phonenumbers.is_valid_number(phonenumbers.parse(s, None))]
    assert valid == []
    assert all(ids.check_phone(s).ok for s in samples[::50])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("00-00-5E-00-53-00", True),
        ("00:00:5e:00:53:ff", True),
        ("0000.5e00.5342", True),
        ("02-00-00-00-00-01", True),
        ("06:11:22:33:44:55", True),
        ("0a1122334455", True),
        ("1E-11-22-33-44-55", True),
        ("3C-22-FB-12-34-56", False),  # vendor-assigned OUI
        ("00-00-5E-00-54-01", False),  # IANA OUI, outside the documentation block
        ("03-00-00-00-00-01", False),  # locally administered multicast
        ("not a mac", False),
        ("00-00-5E-00-53", False),
    ],
)
def test_mac(value: str, ok: bool) -> None:
    assert ids.check_mac(value).ok is ok


def test_mac_normalisation() -> None:
    assert ids.normalize_mac("0000.5e00.53ab") == "00-00-5E-00-53-AB"
    assert ids.normalize_mac("00:00:5e:00-53:ab") is None  # mixed separators


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("490154203237519", True),  # the well-known example IMEI with its check digit changed
        ("35-209900-176148-2", True),
        ("490154203237518", False),  # valid Luhn check digit
        ("35-209900-176148-1", False),
        ("4901542032375", False),
        ("4901542032375180", False),
    ],
)
def test_imei(value: str, ok: bool) -> None:
    assert ids.check_imei(value).ok is ok


def test_luhn() -> None:
    assert ids.luhn_valid("79927398713")
    assert not ids.luhn_valid("79927398710")


@pytest.mark.parametrize(
    ("id_type", "value", "kind", "ok"),
    [
        ("IMEI", "490154203237518", "imei", False),
        ("imei", "490154203237519", "imei", True),
        ("IMEISV", "4901542032375101", "imei", False),
        ("MAC", "3C-22-FB-12-34-56", "mac", False),
        ("Wi-Fi MAC address", "00-00-5E-00-53-10", "mac", True),
        ("hardware", "3c:22:fb:12:34:56", "mac", False),
        ("device serial", "490154203237518", "imei", False),
        ("advertising id", "6d1f6a5e-1c1b-4c39-9d0e-3c0f2b9a7e11", None, True),
        ("machine id", "abc", None, True),
    ],
)
def test_device_ids(id_type: str, value: str, kind: str | None, ok: bool) -> None:
    assert ids.device_id_kind(id_type, value) == kind
    assert ids.check_device_id(id_type, value).ok is ok
