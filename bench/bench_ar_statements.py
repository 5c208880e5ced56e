"""ar-svc at finance's scale: a bank statement import and a dunning pass, on a scratch database.

Statement: N open invoices on N accounts (written with COPY: the setup is not timed), then one
CAMT.053 file of N credits, built in memory: 7 in 10 pay their invoice exactly and quote its
number, 1 in 10 quotes it and pays half, 1 in 10 quotes nothing but comes from a bank account
learnt before and pays the exact amount, 1 in 10 comes from a stranger. Timed: reading the
file and `import_statement` (lines, payments, postings, receivables, events in the outbox;
a thousand lines per transaction), commits included: `ar.statement_import` payments/s.
Beside it, a raw COPY of the same N statement lines into a twin table
(`ar.statement_import.baseline`), and the same file imported again, which must change
nothing (`ar.statement_reimport`).

Dunning: M invoices on M accounts, all 31 days past due and never dunned, so each gets
InvoiceOverdue, the final notice and AccountDelinquent; timed: `dun_due_invoices` until no
invoice is left (`ar.dunning_pass` invoices/s), beside a raw COPY of the same 3·M outbox rows
(`ar.dunning_pass.baseline`).

    uv run python bench/bench_ar_statements.py [--payments 50000] [--invoices 50000] [--smoke]
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg
import sqlalchemy as sa
from servicebench import PG, BenchArguments, migrated_database

from ar_svc.adapters.tables import bank_statement_lines, payments
from ar_svc.app import MIGRATIONS
from ar_svc.domain.bank_statements import read_statement
from ar_svc.domain.dunning import DEFAULT_POLICY
from ar_svc.handlers.dunning import dun_due_invoices
from ar_svc.handlers.statements import import_statement
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory

DB = "l2c_bench_ar_statements"
RECEIVABLE_COLUMNS = [
    "invoice_id",
    "invoice_number",
    "lead_id",
    "account_id",
    "currency",
    "amount",
    "issue_date",
    "due_date",
    "status",
    "opened_at",
    "next_dunning_on",
]


def amount_of(i: int) -> Decimal:
    return Decimal(1000 + i % 997) + Decimal("0.50")


def iban_of(i: int) -> str:
    return f"DE{i % 89 + 10:02d}{i:018d}"


async def open_invoices(conn: asyncpg.Connection, count: int, due: date, tag: str) -> list[UUID]:
    """`count` open receivables, one per account, and their invoice postings, by COPY."""
    now = datetime.now(UTC)
    accounts = [uuid4() for _ in range(count)]
    invoices = [uuid4() for _ in range(count)]
    await conn.copy_records_to_table(
        "receivables",
        columns=RECEIVABLE_COLUMNS,
        records=[
            (
                invoices[i],
                f"{tag}-{i:07d}",
                uuid4(),
                accounts[i],
                "EUR",
                amount_of(i),
                due - timedelta(days=30),
                due,
                "open",
                now,
                due + timedelta(days=1),
            )
            for i in range(count)
        ],
    )
    await conn.copy_records_to_table(
        "postings",
        columns=["account_id", "invoice_id", "kind", "amount", "currency", "posted_at"],
        records=[
            (accounts[i], invoices[i], "invoice", amount_of(i), "EUR", now) for i in range(count)
        ],
    )
    return accounts


def camt053(count: int, tag: str) -> bytes:
    """A statement of `count` credits, mixed as the module's docstring says."""
    entries = []
    for i in range(count):
        kind = i % 10
        amount = amount_of(i)
        if kind == 7:
            amount = (amount / 2).quantize(Decimal("0.01"))
        reference = f"<Ustrd>Invoice {tag}-{i:07d}</Ustrd>" if kind <= 7 else "<Ustrd>-</Ustrd>"
        payer = iban_of(i) if kind != 9 else f"NL{i % 89 + 10:02d}X{i:017d}"
        entries.append(
            f"<Ntry><NtryRef>E{i}</NtryRef><Amt Ccy='EUR'>{amount}</Amt>"
            "<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            "<BookgDt><Dt>2026-11-30</Dt></BookgDt><NtryDtls><TxDtls>"
            f"<RltdPties><Dbtr><Pty><Nm>Payer {i}</Nm></Pty></Dbtr>"
            f"<DbtrAcct><Id><IBAN>{payer}</IBAN></Id></DbtrAcct></RltdPties>"
            f"<RmtInf>{reference}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt>"
        f"<Stmt><Id>BENCH-{tag}</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


async def main(count: int, dunned: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    engine = create_engine(url, 2)
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/bench/ar")
    conn = await asyncpg.connect(f"{PG}/{DB}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    tag = uuid4().hex[:8]
    accounts = await open_invoices(conn, count, date.today() + timedelta(days=30), tag)
    # The payers of the lines without a reference are known from earlier statements.
    await conn.copy_records_to_table(
        "payer_accounts",
        columns=["bank_account", "account_id", "learnt_at"],
        records=[(iban_of(i), accounts[i], datetime.now(UTC)) for i in range(8, count, 10)],
    )
    await conn.execute("ANALYZE")
    data = camt053(count, tag)

    started, cpu = time.perf_counter(), time.process_time()
    statement = read_statement(data)
    parsed = time.perf_counter() - started
    outcome = await import_statement(statement, "bench", uow)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # 9 in 10 lines have a known payer and make a payment; every one of them applies cash
    # but the unmatched 1 in 10.
    assert outcome.duplicates == 0 and sum(outcome.counts.values()) == count, outcome
    async with engine.connect() as c:
        made = await c.scalar(sa.select(sa.func.count()).select_from(payments))
    assert made == count - len(range(9, count, 10)), made
    print(f"BENCH ar.statement_import {count / elapsed:.0f} payments/s")
    print(f"BENCH ar.statement_import.parse {count / parsed:.0f} lines/s")
    # CPU of this process alone (reading, matching, building rows and events); PostgreSQL's
    # own CPU is not in it.
    print(f"BENCH ar.statement_import.cpu_per_payment {cpu / count * 1e6:.0f} us")

    await conn.execute("CREATE TEMP TABLE twin (LIKE bank_statement_lines INCLUDING DEFAULTS)")
    async with engine.connect() as c:
        rows = list(await c.execute(sa.select(bank_statement_lines)))
    columns = list(rows[0]._fields)
    started = time.perf_counter()
    await conn.copy_records_to_table("twin", records=[tuple(r) for r in rows], columns=columns)
    baseline = time.perf_counter() - started
    print(f"BENCH ar.statement_import.baseline {count / baseline:.0f} rows/s")

    started = time.perf_counter()
    again = await import_statement(read_statement(data), "bench", uow)
    elapsed = time.perf_counter() - started
    assert again.duplicates == count and not again.counts, again
    print(f"BENCH ar.statement_reimport {count / elapsed:.0f} lines/s")

    await open_invoices(conn, dunned, date.today() - timedelta(days=31), f"D{tag}")
    await conn.execute("ANALYZE")
    started, cpu = time.perf_counter(), time.process_time()
    handled = 0
    while done := await dun_due_invoices(uow, DEFAULT_POLICY):
        handled += done
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert handled == dunned, f"dunned {handled} of {dunned}"
    print(f"BENCH ar.dunning_pass {dunned / elapsed:.0f} invoices/s")
    print(f"BENCH ar.dunning_pass.cpu_per_invoice {cpu / dunned * 1e6:.0f} us")

    await conn.execute("CREATE TEMP TABLE outbox_twin (LIKE outbox INCLUDING DEFAULTS)")
    sample = await conn.fetch("SELECT * FROM outbox ORDER BY id DESC LIMIT $1", 3 * dunned)
    keys = list(sample[0].keys())
    records = [tuple(r[k] for k in keys) for r in sample]
    started = time.perf_counter()
    await conn.copy_records_to_table("outbox_twin", records=records, columns=keys)
    baseline = time.perf_counter() - started
    print(f"BENCH ar.dunning_pass.baseline {dunned / baseline:.0f} invoices/s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    await conn.close()
    await engine.dispose()


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--payments", 50_000, 200, "credits in the statement")
    command.size("--invoices", 50_000, 200, "invoices in the dunning pass")
    return command


if __name__ == "__main__":
    parsed = arguments().parse()
    asyncio.run(main(parsed.payments, parsed.invoices))
