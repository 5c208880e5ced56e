"""The contract document's fingerprint: what a signer signs is identified by a SHA-256 hash of
its content, so an e-signature can be checked against the current version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def document_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the contract's content: keys sorted, no spaces,
    dates and decimals as strings. Equal content gives equal hashes, whatever the key order."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
