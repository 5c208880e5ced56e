"""Which lead a dead letter is about: the replay withholds those of erased leads."""

from __future__ import annotations

from uuid import UUID

from l2c_platform.dlq import lead_of
from l2c_platform.kafka_io import Record

LEAD = "6f1c1d3e-2b4a-4c5d-9e8f-0a1b2c3d4e5f"


def _record(value: bytes | None) -> Record:
    return Record("t.dlq", 0, 0, None, value, {})


def test_the_lead_is_the_bodys_lead_id() -> None:
    assert lead_of(_record(b'{"lead_id": "' + LEAD.encode() + b'", "x": 1}')) == UUID(LEAD)


def test_a_body_without_a_readable_lead_id_is_about_no_lead() -> None:
    for value in (
        None,
        b"",
        b"not json",
        b"[1, 2]",
        b'{"x": 1}',
        b'{"lead_id": 42}',
        b'{"lead_id": "not-a-uuid"}',
        b'"' + LEAD.encode() + b'"',
    ):
        assert lead_of(_record(value)) is None, value
