"""Seeded data is safe by construction: no unsafe Faker provider is called, every identifier lies in a reserved
range, the Indonesian phone pattern stays unassigned, and the ESP catalogue is fictional."""

from __future__ import annotations

import ast
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest
from faker.providers import company, internet, phone_number

from app.reports import identifiers as ids
from seed import esps, people, providers, scenarios
from seed.verify import scan
from tests.seed.helpers import first_chunk

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
UNSAFE = frozenset(
    {
        "ipv4",
        "ipv4_public",
        "ipv4_private",
        "ipv6",
        "email",
        "free_email",
        "company_email",
        "url",
        "uri",
        "domain_name",
        "domain_word",
        "hostname",
        "phone_number",
        "msisdn",
        "company",
        "mac_address",
    }
)


def _calls(tree: ast.AST) -> Iterator[str]:
    """Names of called methods, names given to getattr, and Faker formatter names in template strings."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            yield from (a.value for a in node.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{{" in node.value:
            yield from (part.split("}}")[0].strip() for part in node.value.split("{{")[1:])


def test_no_unsafe_faker_provider_is_named_in_seed() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in SEED_DIR.rglob("*.py")
        for name in _calls(ast.parse(path.read_text(encoding="utf-8")))
        if name in UNSAFE
    }
    assert not offenders


@pytest.fixture
def unsafe_providers_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("an unsafe Faker provider was called")

    for module in (internet, phone_number, company):
        for name in UNSAFE:
            if hasattr(module.Provider, name):
                monkeypatch.setattr(module.Provider, name, refuse)
    people.pools.cache_clear()


@pytest.mark.usefixtures("unsafe_providers_disabled")
@pytest.mark.parametrize("scenario", scenarios.available())
def test_generation_never_calls_an_unsafe_provider(scenario: str) -> None:
    reports = first_chunk(scenario, 300, seed=11)
    assert reports
    for r in reports:
        assert list(scan(r.body)) == []
        for f in r.files:
            assert list(scan(f.details_body)) == []


def test_the_providers_stay_in_their_ranges() -> None:
    kit = providers.kit(providers.make_faker("id_ID", 5))
    reserved = ids.RESERVED_NETWORKS
    addresses = [kit.mobile_ipv4() for _ in range(200)] + [kit.abroad_ipv4(c) for c in ("SG", "MY") for _ in range(99)]
    addresses += [kit.unregistered_ip(v6) for v6 in (False, True) for _ in range(200)]
    addresses += [kit.ipv6_in_block(n) for n in (1, 0x203, 0xF017) for _ in range(50)]
    addresses += [kit.ipv4_in_block(0xC6120000 + 128 * n, 128) for n in (0, 513, 537) for _ in range(50)]
    for text in addresses:
        address = ipaddress.ip_address(text)
        assert str(address) == text  # already in intake's canonical form
        assert any(address in net for net in reserved if net.version == address.version), text
    for _ in range(300):
        assert ids.check_mac(kit.documentation_mac()).ok and ids.check_mac(kit.local_mac()).ok
        assert ids.check_imei(kit.invalid_imei()).ok
        assert ids.check_phone(kit.us_fictional()).ok and ids.check_phone(kit.uk_drama()).ok
        assert ids.check_email(kit.reserved_email("someone")).ok
        assert ids.check_url(kit.profile_url("serambi.example", "a_b")).ok
        assert ids.check_url(kit.content_url("serambi.example")).ok


def test_indonesian_84x_numbers_stay_unassigned_in_libphonenumber() -> None:
    """+62 84x looks like a mobile number but the metadata has 0840-0849 unassigned; if an update allocates the
    range, this fails and the pattern must change (safe-identifiers.md)."""
    kit = providers.kit(providers.make_faker("id_ID", 9))
    for prefix in range(840, 850):
        for rest in ("00000000", "12345678", "55501234", "99999999", "2468013"):
            number = phonenumbers.parse(f"+62{prefix}{rest}", None)
            assert phonenumbers.is_possible_number(number)
            assert not phonenumbers.is_valid_number(number), f"+62 {prefix} is now assigned"
    for _ in range(2000):
        text = kit.indonesian_mobile()
        assert text.startswith("+62 84")
        number = phonenumbers.parse(text, None)
        assert not phonenumbers.is_valid_number(number)
        assert ids.check_phone(text).ok
        assert ids.normalize_phone(text) == providers.FictionalPhoneProvider.e164(text)


def test_the_esp_catalogue_is_fictional_and_on_reserved_domains() -> None:
    assert len({e.key for e in esps.CATALOGUE}) == len(esps.CATALOGUE)
    assert {e.kind for e in esps.CATALOGUE} == set(esps.KINDS)
    for esp in esps.CATALOGUE:
        assert esp.domain.endswith(".example")
        assert ids.check_email(f"trust.safety@{esp.domain}").ok
        assert esp.weight > 0 and set(esp.mix) <= {
            "csam",
            "enticement",
            "trafficking",
            "molestation",
            "unsolicited",
            "domain",
            "words",
            "tourism",
        }
        assert esp.kind == "gaming" or not esp.games
