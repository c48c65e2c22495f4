"""The signature scheme as a receiver checks it, and the backoff schedule."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from app.webhooks import signing
from app.webhooks.service import backoff

SECRET = "whsec_test-secret-for-signing"
BODY = b'{"version":1,"type":"case.opened","seq":7}'
T = 1_772_438_400


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1772438400." + BODY, hashlib.sha256).hexdigest()
    assert signing.header(SECRET, T, BODY) == f"t={T},v1={expected}"
    assert signing.verify(SECRET, BODY, f"t={T},v1={expected}", now=T + 10) == T


@pytest.mark.parametrize(
    ("header", "now", "message"),
    [
        (None, T, "no signature header"),
        ("", T, "no signature header"),
        ("v1=abc", T, "lacks"),
        (f"t={T}", T, "lacks"),
        ("t=soon,v1=abc", T, "not an integer"),
        (signing.header(SECRET, T, BODY), T + 301, "tolerance"),
        (signing.header(SECRET, T, BODY), T - 301, "tolerance"),
        (signing.header("another-secret-entirely", T, BODY), T, "does not match"),
        (signing.header(SECRET, T + 1, BODY).replace(f"t={T + 1}", f"t={T}"), T, "does not match"),
    ],
)
def test_bad_signatures_are_refused(header: str | None, now: int, message: str) -> None:
    with pytest.raises(signing.SignatureError, match=message):
        signing.verify(SECRET, BODY, header, now=now)


def test_a_changed_body_is_refused_and_any_matching_v1_is_enough() -> None:
    header = signing.header(SECRET, T, BODY)
    with pytest.raises(signing.SignatureError):
        signing.verify(SECRET, BODY + b" ", header, now=T)
    rotated = f"{header},v1={'0' * 64}"
    assert signing.verify(SECRET, BODY, rotated, now=T) == T
    assert signing.verify(SECRET, BODY, f"t={T},v1={'0' * 64},{header.split(',')[1]}", now=T) == T


def test_generated_secrets_are_long_and_distinct() -> None:
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(s.startswith("whsec_") and len(s) >= 40 for s in secrets)


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    settings = Settings(webhook_backoff_base_seconds=2.0, webhook_backoff_cap_seconds=30.0)
    rng = random.Random(7)
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 30.0), (12, 30.0)):
        waits = [backoff(attempt, settings, rng) for _ in range(300)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over the whole range


def test_lease_must_outlast_a_request() -> None:
    with pytest.raises(ValueError, match="webhook_lease_seconds"):
        Settings(webhook_timeout_seconds=30, webhook_lease_seconds=20)


def test_the_receiver_snippet_in_the_docs_verifies_real_signatures() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", doc, flags=re.S)
    assert snippet is not None
    namespace: dict[str, Any] = {}
    exec(snippet.group(1), namespace)
    verify = namespace["verify"]
    now = int(time.time())
    header = signing.header(SECRET, now, BODY)
    assert verify(SECRET, BODY, header) is True
    assert verify(SECRET, BODY + b"x", header) is False
    assert verify("wrong-secret-value", BODY, header) is False
    assert verify(SECRET, BODY, signing.header(SECRET, now - 600, BODY)) is False
    assert verify(SECRET, BODY, "garbage") is False
