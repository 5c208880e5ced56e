"""The contract document's fingerprint: what a signer signs is identified by a SHA-256 hash of
its content, so an e-signature can be checked against the current version."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def document_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the contract's content: keys sorted, no spaces,
    dates and decimals as strings. Equal content gives equal hashes, whatever the key order."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature an e-signature provider sends with a webhook: hex HMAC-SHA256, under the
    shared secret, of the timestamp header, a dot and the raw request body. Signing the time
    too means a captured request cannot be sent again later with a fresh timestamp."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def is_authentic_webhook(
    secret: str, timestamp: str | None, body: bytes, signature: str | None
) -> bool:
    """True when `signature` (optionally prefixed `sha256=`) is the HMAC of this timestamp
    and body under the secret; compared in constant time."""
    if not signature or not timestamp:
        return False
    given = signature.removeprefix("sha256=").strip().lower()
    return hmac.compare_digest(given, webhook_signature(secret, timestamp, body))
