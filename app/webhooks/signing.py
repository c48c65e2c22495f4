"""Signing webhook bodies, and verifying a signature as a receiver would.

A delivery carries ``Tipdesk-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
``HMAC-SHA256(secret, "<t>." + body)`` in lower-case hex, over the exact bytes of the body. A receiver recomputes it
with the endpoint's secret, compares in constant time and refuses timestamps too far from its own clock (replays).
While a secret is being rotated a header may carry several ``v1`` values; one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.core.clock import wall

SIGNATURE_HEADER = "Tipdesk-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature: HMAC-SHA256 over ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SCHEME}={sign(secret, timestamp, body)}"


class SignatureError(ValueError):
    """The signature header is missing, malformed, too old or does not match."""


def verify(
    secret: str,
    body: bytes,
    signature_header: str | None,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a ``Tipdesk-Signature`` header against ``body``; return its timestamp or raise :class:`SignatureError`."""
    if not signature_header:
        raise SignatureError("no signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in signature_header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("timestamp is not an integer") from None
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("header lacks t= or v1=")
    current = wall.now().timestamp() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    return timestamp
