"""Read the platform's state for `l2c verify`: each service's database as the administrator of
the database server (`L2C_PG_URL`), and the dead-letter topics of the platform's consumer
groups. Read-only."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from l2c_platform.invariants import (
    AccountBooks,
    DeadLetter,
    InvoiceRef,
    JourneyState,
    OutboxState,
    PlatformState,
    journey_prefix,
)
from l2c_platform.kafka_io import read_topic
from l2c_platform.launcher import SERVICES, PlatformConfig
from l2c_schemas.topics import ALL_TOPICS

ZERO = Decimal(0)
ISSUED = ("issued", "paid", "uncollectible")
"""Invoice states of billing-svc that ar-svc holds as receivables (not drafts, not voided)."""


@dataclass(frozen=True)
class Scope:
    run: str | None = None
    """Only the journeys of this load run (`journey:<run>:…`); default every journey."""


class Databases:
    """One administrator connection per service database."""

    def __init__(self, config: PlatformConfig) -> None:
        self._config = config
        self._connections: dict[str, asyncpg.Connection] = {}

    async def __aenter__(self) -> Databases:
        for spec in SERVICES:
            name = f"{self._config.database_prefix}{spec.database}"
            self._connections[spec.database] = await asyncpg.connect(
                f"{self._config.pg_url}/{name}", timeout=10
            )
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.gather(*(c.close() for c in self._connections.values()))

    async def rows(self, database: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self._connections[database].fetch(sql, *args))


async def _stage_counts(db: Databases, lead_ids: list[UUID]) -> dict[UUID, dict[str, int]]:
    """How often each lead reached each stage after it was captured."""
    counts: dict[UUID, dict[str, int]] = defaultdict(dict)
    leads = "lead_id = ANY($1::uuid[])"
    queries = (
        ("opportunity", "deal", f"FROM opportunities WHERE {leads}"),
        ("quote accepted", "cpq", f"FROM quotes WHERE {leads} AND accepted_at IS NOT NULL"),
        ("contract signed", "contract", f"FROM contracts WHERE {leads} AND signed_at IS NOT NULL"),
        ("subscription", "billing", f"FROM subscriptions WHERE {leads}"),
        ("invoice", "billing", f"FROM invoices WHERE {leads} AND status = ANY($2::text[])"),
        ("invoice paid", "billing", f"FROM invoices WHERE {leads} AND status = 'paid'"),
    )
    for stage, database, source in queries:
        args: list[Any] = [lead_ids, list(ISSUED)] if "$2" in source else [lead_ids]
        sql = f"SELECT lead_id, count(*) n {source} GROUP BY lead_id"
        for row in await db.rows(database, sql, *args):
            counts[row["lead_id"]][stage] = int(row["n"])
    # The customer's payment: cash received on the journey's account (one account per lead).
    accounts = await db.rows(
        "deal", "SELECT id, lead_id FROM accounts WHERE lead_id = ANY($1::uuid[])", lead_ids
    )
    lead_of_account = {row["id"]: row["lead_id"] for row in accounts}
    for row in await db.rows(
        "ar",
        "SELECT account_id, count(*) n FROM payments WHERE status = 'received'"
        " AND account_id = ANY($1::uuid[]) GROUP BY account_id",
        list(lead_of_account),
    ):
        lead = lead_of_account[row["account_id"]]
        counts[lead]["payment"] = counts[lead].get("payment", 0) + int(row["n"])
    return counts


async def read_journeys(db: Databases, scope: Scope) -> list[JourneyState]:
    prefix = journey_prefix(scope.run)
    leads = await db.rows(
        "lead",
        "SELECT id, external_id FROM leads WHERE starts_with(external_id, $1)",
        prefix,
    )
    counts = await _stage_counts(db, [row["id"] for row in leads])
    by_ref: dict[str, dict[str, int]] = defaultdict(dict)
    for row in leads:
        stages = by_ref[row["external_id"]]
        stages["lead"] = stages.get("lead", 0) + 1
        for stage, n in counts.get(row["id"], {}).items():
            stages[stage] = stages.get(stage, 0) + n
    return [JourneyState(ref, stages) for ref, stages in sorted(by_ref.items())]


async def read_invoices(db: Databases) -> list[InvoiceRef]:
    rows = await db.rows(
        "billing",
        "SELECT id, subscription_id, period_start FROM invoices WHERE status <> 'void'",
    )
    return [
        InvoiceRef(str(r["id"]), str(r["subscription_id"]), r["period_start"].isoformat())
        for r in rows
    ]


def _sums(rows: Iterable[asyncpg.Record]) -> dict[tuple[str, str], Decimal]:
    return {(str(r["account_id"]), r["currency"]): Decimal(r["total"]) for r in rows}


async def read_accounts(db: Databases) -> list[AccountBooks]:
    per_account = "GROUP BY account_id, currency"
    invoices = _sums(
        await db.rows(
            "billing",
            "SELECT account_id, currency, sum(total) total FROM invoices"
            f" WHERE status = ANY($1::text[]) {per_account}",
            list(ISSUED),
        )
    )
    ledger = _sums(
        await db.rows(
            "ar", f"SELECT account_id, currency, sum(amount) total FROM postings {per_account}"
        )
    )
    payments = _sums(
        await db.rows(
            "ar",
            "SELECT account_id, currency, sum(amount) total FROM payments"
            f" WHERE status = 'received' {per_account}",
        )
    )
    credits = _sums(
        await db.rows(
            "ar", f"SELECT account_id, currency, sum(amount) total FROM credit_notes {per_account}"
        )
    )
    write_offs = _sums(
        await db.rows(
            "ar",
            "SELECT account_id, currency, -sum(amount) total FROM postings"
            f" WHERE kind = 'write_off' {per_account}",
        )
    )
    keys = sorted({*invoices, *ledger, *payments, *credits})
    return [
        AccountBooks(
            account_id=account,
            currency=currency,
            ledger_balance=ledger.get((account, currency), ZERO),
            invoices=invoices.get((account, currency), ZERO),
            payments=payments.get((account, currency), ZERO),
            credits=credits.get((account, currency), ZERO),
            write_offs=write_offs.get((account, currency), ZERO),
        )
        for account, currency in keys
    ]


async def read_outboxes(db: Databases) -> list[OutboxState]:
    found = []
    for spec in SERVICES:
        (row,) = await db.rows(
            spec.database,
            "SELECT count(*) FILTER (WHERE state = 'pending') pending,"
            " count(*) FILTER (WHERE state = 'parked' AND coalesce(last_error, '') = '') parked,"
            " count(*) FILTER (WHERE state = 'skipped' AND coalesce(skip_reason, '') = '')"
            " skipped FROM outbox",
        )
        found.append(OutboxState(spec.name, row["pending"], row["parked"], row["skipped"]))
    return found


async def read_dead_letters(config: PlatformConfig) -> list[DeadLetter]:
    """The dead letters this platform's consumer groups wrote (another platform on the same
    broker, with other groups, is not this one's concern)."""
    groups = {spec.name + config.group_suffix for spec in SERVICES}
    found = []
    for topic in (t for t in ALL_TOPICS if t.endswith(".dlq")):
        for record in await read_topic(config.kafka_bootstrap, topic):
            h = record.headers
            if h.get("l2c_consumer") in groups:
                found.append(
                    DeadLetter(
                        topic,
                        h["l2c_consumer"],
                        h.get("ce_type", "?"),
                        h.get("l2c_error_type", "?"),
                        h.get("l2c_error", ""),
                    )
                )
    return found


async def read_platform_state(config: PlatformConfig, scope: Scope) -> PlatformState:
    async with Databases(config) as db:
        return PlatformState(
            journeys=await read_journeys(db, scope),
            invoices=await read_invoices(db),
            accounts=await read_accounts(db),
            outboxes=await read_outboxes(db),
            dead_letters=await read_dead_letters(config),
        )
