"""Crash recovery: a service killed (SIGKILL, no clean-up) at the two dangerous moments —
after its database commit but before the relay published, and after a handler committed but
before the consumer committed its offset — resumes the journey with nothing lost and nothing
done twice. Rows and events are counted."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from l2c_platform.journey import DEMO_LEAD, eventually
from l2c_platform.kafka_io import Record, read_topic
from l2c_platform.launcher import Infrastructure, Platform, ServiceProcess
from l2c_platform.tokens import operator_client
from l2c_runtime import faults
from l2c_schemas import LeadQualified, OpportunityOpened
from l2c_schemas.topics import DEAL_EVENTS, LEAD_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def _fetchval(infra: Infrastructure, database: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(f"{infra.pg_url}/l2c_e2e_{database}")
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _events_of_lead(
    infra: Infrastructure, topic: str, ce_type: str, lead_id: str
) -> list[Record]:
    return [
        r
        for r in await read_topic(infra.kafka_bootstrap, topic)
        if r.headers.get("ce_type") == ce_type and r.json().get("lead_id") == lead_id
    ]


async def _restart_with_crash_point(service: ServiceProcess, point: str) -> None:
    service.stop()
    service.start(L2C_CRASH_POINT=point)
    await service.wait_ready()


async def _submit_lead(platform: Platform) -> str:
    """POST a lead; the answer may be lost if the service dies right after committing."""
    email = f"crash+{uuid4().hex[:10]}@engines.example"
    async with operator_client() as client:
        with contextlib.suppress(httpx.HTTPError):
            await client.post(
                f"{platform.config.base_url('lead-svc')}/leads", json={**DEMO_LEAD, "email": email}
            )
    return email


async def _opportunities_for(infra: Infrastructure, lead_id: str) -> int:
    return int(
        await _fetchval(
            infra, "deal", "SELECT count(*) FROM opportunities WHERE lead_id = $1", UUID(lead_id)
        )
    )


async def test_killed_after_commit_before_publish_the_relay_publishes_once_on_restart(
    platform: Platform, infra: Infrastructure
) -> None:
    lead_svc = platform.services["lead-svc"]
    await _restart_with_crash_point(
        lead_svc, f"{faults.AFTER_COMMIT_BEFORE_PUBLISH}@{LeadQualified.ce_type}"
    )
    email = await _submit_lead(platform)

    assert lead_svc.wait_exit(30) == -9, "lead-svc should have died at the crash point"
    lead_id = str(await _fetchval(infra, "lead", "SELECT id FROM leads WHERE email = $1", email))
    unpublished = await _fetchval(
        infra, "lead", "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    )
    assert unpublished >= 2, "the lead's events were committed but not yet published"
    assert await _events_of_lead(infra, LEAD_EVENTS, LeadQualified.ce_type, lead_id) == []

    lead_svc.start()
    await lead_svc.wait_ready()

    async def opened() -> int | None:
        return await _opportunities_for(infra, lead_id) or None

    assert await eventually(opened, "deal-svc to open the opportunity") == 1
    qualified = await _events_of_lead(infra, LEAD_EVENTS, LeadQualified.ce_type, lead_id)
    assert len(qualified) == 1
    assert await _fetchval(infra, "lead", "SELECT count(*) FROM leads WHERE email = $1", email) == 1
    assert (
        await _fetchval(infra, "lead", "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        == 0
    )


async def test_killed_between_handler_commit_and_offset_commit_the_redelivery_is_skipped(
    platform: Platform, infra: Infrastructure
) -> None:
    deal_svc = platform.services["deal-svc"]
    # Armed for LeadQualified only: records of other tests still queued must not trip it.
    await _restart_with_crash_point(
        deal_svc, f"{faults.AFTER_HANDLER_BEFORE_OFFSET_COMMIT}@{LeadQualified.ce_type}"
    )
    email = await _submit_lead(platform)

    assert deal_svc.wait_exit(60) == -9, "deal-svc should have died at the crash point"
    lead_id = str(await _fetchval(infra, "lead", "SELECT id FROM leads WHERE email = $1", email))
    assert await _opportunities_for(infra, lead_id) == 1  # the handler's transaction committed
    qualified = await _events_of_lead(infra, LEAD_EVENTS, LeadQualified.ce_type, lead_id)
    event_id = qualified[0].headers["ce_id"]

    deal_svc.start()
    await deal_svc.wait_ready()

    async def skipped_duplicate() -> bool | None:
        log = deal_svc.log_path.read_text(errors="replace").splitlines()
        return any("duplicate" in line and event_id in line for line in log) or None

    # The offset was never committed, so the record comes again; the inbox recognises it.
    assert await eventually(skipped_duplicate, "the redelivered LeadQualified to be skipped")
    assert await _opportunities_for(infra, lead_id) == 1
    opportunity_id = str(
        await _fetchval(
            infra, "deal", "SELECT id FROM opportunities WHERE lead_id = $1", UUID(lead_id)
        )
    )
    opened = [
        r
        for r in await _events_of_lead(infra, DEAL_EVENTS, OpportunityOpened.ce_type, lead_id)
        if r.json()["opportunity_id"] == opportunity_id
    ]
    assert len({r.headers["ce_id"] for r in opened}) == 1
    inbox_rows = await _fetchval(
        infra, "deal", "SELECT count(*) FROM inbox WHERE event_id = $1", event_id
    )
    assert inbox_rows == 1
    assert json.loads(qualified[0].value or b"{}")["lead_id"] == lead_id
