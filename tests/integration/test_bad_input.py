"""Bad input gets a clear answer and changes nothing: HTTP 422 with the field errors; a
malformed or schema-invalid event lands in the dead-letter topic with the reason while the
consumer goes on with the next one."""

from __future__ import annotations

import json
from uuid import uuid4

import asyncpg
import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_schemas import LeadSubmitted
from l2c_schemas.topics import LEAD_INTAKE, dead_letter_topic

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _ce_headers(event_id: str, ce_type: str = LeadSubmitted.ce_type) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"/test/web-form"),
        ("content-type", b"application/json"),
    ]


async def _count_leads(infra: Infrastructure, where: str, value: str) -> int:
    conn = await asyncpg.connect(f"{infra.pg_url}/l2c_e2e_lead")
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM leads WHERE {where} = $1", value))
    finally:
        await conn.close()


async def test_invalid_lead_over_http_is_refused_with_field_errors(
    platform: Platform, infra: Infrastructure
) -> None:
    email = f"nobody+{uuid4().hex[:8]}@example.com"
    async with operator_client() as client:
        response = await client.post(
            f"{platform.config.base_url('lead-svc')}/leads",
            json={"email": email, "full_name": "", "company": "Acme", "employees": -5},
        )
    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert fields == {("body", "full_name"), ("body", "employees")}
    assert await _count_leads(infra, "email", email) == 0


async def test_malformed_intake_events_are_dead_lettered_and_the_next_one_is_processed(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex
    key = marker.encode()
    bootstrap = infra.kafka_bootstrap
    await publish(bootstrap, LEAD_INTAKE, b"{this is not json", _ce_headers(f"json-{marker}"), key)
    not_a_lead = {"full_name": "No Mail", "company": "Acme", "employees": -1, "external_id": marker}
    await publish(
        bootstrap,
        LEAD_INTAKE,
        json.dumps(not_a_lead).encode(),
        _ce_headers(f"schema-{marker}"),
        key,
    )
    await publish(bootstrap, LEAD_INTAKE, b"{}", [], key)  # no CloudEvents attributes at all
    good = LeadSubmitted(
        email=f"good+{marker[:8]}@example.com",
        full_name="Grace Hopper",
        company="Navy Labs",
        employees=300,
        title="Director of Engineering",
        source="web_form",
        external_id=marker,
    )
    await publish_message(bootstrap, good, source="/test/web-form")

    dead = await wait_for_records(
        bootstrap,
        dead_letter_topic(LEAD_INTAKE),
        lambda r: r.key == key and r.headers.get("l2c_consumer") == "lead-svc-e2e",
        count=3,
    )
    reasons = sorted(r.headers["l2c_error"] for r in dead)
    assert len(dead) == 3
    assert all(r.headers["l2c_original_topic"] == LEAD_INTAKE for r in dead)
    assert any("missing CloudEvents headers" in reason for reason in reasons)
    assert any("Invalid JSON" in reason or "json" in reason.lower() for reason in reasons)
    schema_reason = next(r for r in reasons if "employees" in r)
    assert "email" in schema_reason

    # The consumer went on: the good lead after the bad ones was captured, exactly once.
    async def captured() -> int | None:
        return await _count_leads(infra, "external_id", marker) or None

    assert await eventually(captured, "the valid lead after the bad ones") == 1


async def test_a_record_with_a_binary_header_does_not_block_the_topic(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex
    lead = LeadSubmitted(
        email=f"bin+{marker[:8]}@example.com",
        full_name="Binary Header",
        company="Bytes Ltd",
        source="web_form",
        external_id=marker,
    )
    headers = [*_ce_headers(f"bin-{marker}"), ("x-signature", b"\xff\xfe\x00\x81")]
    await publish(infra.kafka_bootstrap, LEAD_INTAKE, lead.model_dump_json().encode(), headers)

    async def captured() -> int | None:
        return await _count_leads(infra, "external_id", marker) or None

    assert await eventually(captured, "the lead with a binary header") == 1
