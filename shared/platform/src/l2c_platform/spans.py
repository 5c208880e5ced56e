"""Read the spans the services exported in test mode (L2C_SPAN_FILE, one JSON per line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_spans(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def journey_spans(spans: list[dict[str, Any]], lead_id: str) -> list[dict[str, Any]]:
    """Spans that name this lead: the handler and publish spans of every hop of its journey."""
    return [s for s in spans if s["attributes"].get("l2c.lead_id") == lead_id]
