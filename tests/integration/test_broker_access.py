"""The broker lets each principal do only what deploy/local/kafka/acls.txt grants, and that
file grants each service exactly what its definition uses. A consumer refuses an event that
does not belong on the topic it arrived on."""

from __future__ import annotations

import importlib
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import TopicAuthorizationFailedError

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import wait_for_records
from l2c_platform.launcher import SERVICES, Infrastructure, Platform
from l2c_platform.local_secrets import local_secret
from l2c_platform.tokens import operator_client
from l2c_runtime.kafka_client import KafkaClientSettings, kafka_client_options
from l2c_runtime.service import ServiceDefinition
from l2c_schemas.billing import CreditNoteIssued, InvoiceLine
from l2c_schemas.envelope import encode
from l2c_schemas.lead import LeadSubmitted
from l2c_schemas.money import Money
from l2c_schemas.topics import (
    BILLING_EVENTS,
    CLOCK,
    INBOUND_TOPICS,
    LEAD_INTAKE,
    OUTBOUND_TOPICS,
    PAYMENTS_INBOUND,
    dead_letter_topic,
)

ACLS = Path(__file__).parents[2] / "deploy" / "local" / "kafka" / "acls.txt"


def _grants() -> dict[tuple[str, str, str], set[str]]:
    """(principal, operation, resource type) -> the names granted (prefixed ones end in *)."""
    grants: dict[tuple[str, str, str], set[str]] = {}
    for line in ACLS.read_text().splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        principal, operations, resource, pattern, *names = fields
        suffix = "*" if pattern == "prefixed" else ""
        for operation in operations.split(","):
            key = (principal, operation, resource)
            grants.setdefault(key, set()).update(n + suffix for n in names)
    return grants


def _definition(package: str) -> ServiceDefinition:
    module = importlib.import_module(f"{package}.app")
    [definition] = [v for v in vars(module).values() if isinstance(v, ServiceDefinition)]
    return definition


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_each_service_is_granted_exactly_the_topics_and_groups_it_uses(spec: Any) -> None:
    definition = _definition(spec.package)
    consumed = set(definition.handlers.topics)
    writes = {*definition.produces, *(dead_letter_topic(t) for t in consumed)}
    reads = {*consumed, CLOCK}
    grants = _grants()
    name = definition.name
    assert grants.get((name, "Write", "topic")) == writes
    assert grants.get((name, "Read", "topic")) == reads
    assert grants.get((name, "Create", "topic")) == writes | reads
    assert grants.get((name, "Read", "group")) == {f"{name}*"}
    granted = {key for key in grants if key[0] == name}
    assert granted == {
        (name, op, kind)
        for op, kind in [
            ("Write", "topic"),
            ("Read", "topic"),
            ("Create", "topic"),
            ("Read", "group"),
        ]
    }


def test_integration_writes_only_the_inbound_topics_and_reads_only_the_outbound_ones() -> None:
    grants = {key: names for key, names in _grants().items() if key[0] == "integration"}
    assert grants == {
        ("integration", "Write", "topic"): set(INBOUND_TOPICS),
        ("integration", "Read", "topic"): set(OUTBOUND_TOPICS),
        ("integration", "Read", "group"): {"integration*"},
    }


def _as(principal: str) -> dict[str, Any]:
    """Client options of a principal of the local broker."""
    password = local_secret(f"kafka-{principal}")
    if password is None:
        if os.environ.get("KAFKA_SASL_USERNAME"):
            pytest.fail(f"no password of {principal} in the local secrets (L2C_SECRETS_DIR)")
        pytest.skip("the broker is not the secured local one (no local Kafka secrets)")
    return kafka_client_options(
        KafkaClientSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=principal,
            sasl_password=password,
        )
    )


async def _producer(infra: Infrastructure, principal: str) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.kafka_bootstrap,
        acks="all",
        request_timeout_ms=10000,
        **_as(principal),
    )
    await producer.start()
    return producer


def _lead() -> LeadSubmitted:
    return LeadSubmitted(
        external_id=f"acl-{uuid4().hex[:8]}",
        email=f"acl-{uuid4().hex[:6]}@example.com",
        full_name="Ada Access",
        company="Access Test GmbH",
        source="web_form",
    )


@pytest.mark.integration
async def test_lead_svc_may_not_publish_billing_events(infra: Infrastructure) -> None:
    producer = await _producer(infra, "lead-svc")
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(BILLING_EVENTS, b"{}", key=b"k")
    finally:
        await producer.stop()


@pytest.mark.integration
async def test_integration_publishes_a_lead_but_cannot_read_billing_events(
    infra: Infrastructure,
) -> None:
    record = encode(_lead(), source="/crm")
    producer = await _producer(infra, "integration")
    try:
        sent = await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
        with pytest.raises(TopicAuthorizationFailedError):  # inbound topics only
            await producer.send_and_wait(BILLING_EVENTS, b"{}", key=b"k")
    finally:
        await producer.stop()
    assert record.topic == LEAD_INTAKE
    ce_id = dict(record.headers)["ce_id"].decode()
    [arrived] = await wait_for_records(
        infra.kafka_bootstrap, LEAD_INTAKE, lambda r: r.headers.get("ce_id") == ce_id
    )
    assert (arrived.partition, arrived.offset) == (sent.partition, sent.offset)

    consumer = AIOKafkaConsumer(
        BILLING_EVENTS,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id="integration",
        enable_auto_commit=False,
        **_as("integration"),
    )
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await consumer.start()
    finally:
        await consumer.stop()


def _credit_note(account_id: Any) -> CreditNoteIssued:
    line = InvoiceLine(
        line_no=1,
        product_code="PLAT-PRO",
        description="Goodwill",
        quantity=Decimal("1"),
        unit_price=Money.of("100.00", "EUR"),
        amount=Money.of("100.00", "EUR"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    return CreditNoteIssued(
        lead_id=uuid4(),
        account_id=account_id,
        credit_note_id=uuid4(),
        credit_note_number=f"CN-{uuid4().hex[:6]}",
        currency="EUR",
        lines=[line],
        subtotal=Money.of("100.00", "EUR"),
        tax_total=Money.of("0.00", "EUR"),
        total=Money.of("100.00", "EUR"),
        reason="goodwill",
        issued_at=datetime.now(UTC),
    )


async def _balance(platform: Platform, account_id: Any) -> Any:
    async with operator_client(base_url=platform.config.base_url("ar-svc")) as client:
        response = await client.get(f"/accounts/{account_id}/balance")
    assert response.status_code in (200, 404), response.text
    return response.status_code, response.json()


async def _inboxed(infra: Infrastructure, platform: Platform, ce_id: str) -> int:
    database = f"{platform.config.database_prefix}ar"
    conn = await asyncpg.connect(f"{infra.pg_url}/{database}")
    try:
        return int(await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", ce_id))
    finally:
        await conn.close()


@pytest.mark.e2e
async def test_a_credit_note_on_the_payments_topic_is_dead_lettered_and_changes_nothing(
    platform: Platform, infra: Infrastructure
) -> None:
    account_id = uuid4()
    before = await _balance(platform, account_id)
    forged = encode(_credit_note(account_id), source="/payment-gateway")
    producer = await _producer(infra, "integration")  # may write the payments topic
    try:
        await producer.send_and_wait(
            PAYMENTS_INBOUND, forged.value, key=forged.key, headers=forged.headers
        )
    finally:
        await producer.stop()
    ce_id = dict(forged.headers)["ce_id"].decode()

    [dead] = await wait_for_records(
        infra.kafka_bootstrap,
        dead_letter_topic(PAYMENTS_INBOUND),
        lambda r: r.headers.get("ce_id") == ce_id,
    )
    assert dead.headers["l2c_error_type"] == "WrongTopic"
    assert dead.headers["l2c_error"] == (
        f"{CreditNoteIssued.ce_type} belongs on {BILLING_EVENTS}, not on {PAYMENTS_INBOUND}"
    )
    assert dead.headers["l2c_consumer"].startswith("ar-svc")
    assert await _balance(platform, account_id) == before
    assert await _inboxed(infra, platform, ce_id) == 0

    # The same credit note where billing-svc publishes it does change the account: the
    # balance above would have shown a forged one taken.
    genuine = encode(_credit_note(account_id), source="/l2c/billing-svc")
    admin = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, **kafka_client_options())
    await admin.start()
    try:
        await admin.send_and_wait(
            BILLING_EVENTS, genuine.value, key=genuine.key, headers=genuine.headers
        )
    finally:
        await admin.stop()

    async def changed() -> Any:
        now = await _balance(platform, account_id)
        return now if now != before else None

    assert await eventually(changed, "ar-svc to take the genuine credit note") != before
