"""Import a bank statement: record each new line once, match its credits
(`domain/statement_matching`), and book their cash as payments applied by the cash
application rule, set-wise: a chunk of `CHUNK_LINES` lines per transaction, each with a few
queries and one COPY per table whatever its size. A chunk takes the advisory lock of every
customer it pays (as one payment does), and PostgreSQL's lock table is shared and bounded
(`max_locks_per_transaction`), hence chunks rather than one transaction per statement. A
failed import leaves its earlier chunks in place; importing the file again completes it.

What each payment does is what `cash.record_payment` does for one: a `payments` row, its
postings made by the pure `Ledger`, `PaymentReceived`, a `PaymentApplied` per invoice paid,
`InvoicePaid` (and `AccountReinstated`) when an invoice is settled. Lines already imported
(same statement id and entry reference), and repeats within the file, are duplicates: they
change nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from ar_svc.adapters import statement_store as store
from ar_svc.adapters.ledger_store import posting_rows
from ar_svc.adapters.tables import payments, postings
from ar_svc.domain.bank_statements import BankStatement, StatementLine
from ar_svc.domain.cash_application import OpenInvoice
from ar_svc.domain.ledger import Ledger, Posting
from ar_svc.domain.statement_matching import LineMatch, match_lines, reference_words
from ar_svc.handlers.cash import PaymentCommand, invoice_paid, record_payment
from l2c_runtime.errors import Conflict
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, PaymentApplied, PaymentReceived
from l2c_schemas.ar import AccountReinstated
from l2c_schemas.base import Message

ZERO = Decimal(0)
CHUNK_LINES = 1_000


@dataclass(frozen=True)
class ImportOutcome:
    statement_id: str
    lines: int
    """Lines in the file."""
    duplicates: int
    """Lines imported before or repeated in the file: nothing changed for them."""
    counts: dict[str, int] = field(default_factory=dict)
    """New lines by status: matched, partly_matched, unmatched, ignored."""
    amounts: dict[str, Decimal] = field(default_factory=dict)

    def __add__(self, other: ImportOutcome) -> ImportOutcome:
        counts, amounts = dict(self.counts), dict(self.amounts)
        for status, count in other.counts.items():
            counts[status] = counts.get(status, 0) + count
            amounts[status] = amounts.get(status, ZERO) + other.amounts[status]
        return ImportOutcome(
            self.statement_id, self.lines, self.duplicates + other.duplicates, counts, amounts
        )


@dataclass
class _Booking:
    """What the import writes, gathered before one COPY per table."""

    now: datetime
    payments: list[dict[str, Any]] = field(default_factory=list)
    postings: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[Message, str | None]] = field(default_factory=list)
    paid: dict[UUID, store.OpenReceivable] = field(default_factory=dict)


Audit = Callable[[UnitOfWork, ImportOutcome], Awaitable[None]]


async def import_statement(
    statement: BankStatement, actor: str, unit_of_work: Any, audit: Audit | None = None
) -> ImportOutcome:
    """Import the statement a chunk per transaction (`unit_of_work()` opens one); `audit`
    records each chunk's outcome in its transaction. Returns the whole import's outcome."""
    total = ImportOutcome(statement.statement_id, len(statement.lines), 0)
    lines = statement.lines
    for start in range(0, max(len(lines), 1), CHUNK_LINES):
        async with unit_of_work() as uow:
            part = await _import_chunk(statement, lines[start : start + CHUNK_LINES], actor, uow)
            if audit is not None:
                await audit(uow, part)
        total += part
    return total


async def _import_chunk(
    statement: BankStatement, chunk: Sequence[StatementLine], actor: str, uow: UnitOfWork
) -> ImportOutcome:
    now = uow.clock.now()
    seen = await store.claim_statement(
        uow,
        statement.statement_id,
        statement.format,
        statement.bank_account,
        actor,
        [line.entry_reference for line in chunk],
    )
    new: list[StatementLine] = []
    for line in chunk:
        if line.entry_reference not in seen:
            seen.add(line.entry_reference)
            new.append(line)
    credits = [line for line in new if line.direction == "credit" and line.booked]
    invoices = await store.invoices_numbered(
        uow, (w for line in credits for w in reference_words(line.reference))
    )
    payers = await store.known_payers(uow, (c.payer_account for c in credits if c.payer_account))
    learnt_before = dict(payers)
    accounts = {i.account_id for i in invoices.values()} | set(payers.values())
    await store.lock_accounts(uow, accounts)
    receivable_rows = await store.open_receivables_of(uow, accounts)
    by_id = {r.invoice_id: r for r in receivable_rows}
    open_invoices: dict[tuple[UUID, str], list[OpenInvoice]] = {}
    for r in receivable_rows:
        open_invoices.setdefault((r.account_id, r.currency), []).append(
            OpenInvoice(r.invoice_id, r.invoice_number, r.issue_date, r.balance)
        )
    matches = match_lines(credits, invoices, payers, open_invoices)
    await store.learn_payers(
        uow, {iban: a for iban, a in payers.items() if iban not in learnt_before}
    )

    journeys = await store.latest_journeys(
        uow, {m.account_id for m in matches if m.account_id is not None}
    )
    booking = _Booking(now)
    line_rows = []
    by_line = {id(m.line): m for m in matches}
    for line in new:
        match = by_line.get(id(line))
        payment_id = None
        if match is not None and match.account_id is not None:
            payment_id = _book(statement, match, by_id, journeys, booking)
        line_rows.append(_line_row(statement.statement_id, line, match, payment_id, now))

    await uow.copy_rows(payments, booking.payments)
    await uow.copy_rows(postings, booking.postings)
    await store.mark_many_paid(uow, list(booking.paid), now)
    for invoice in booking.paid.values():
        booking.events.append((invoice_paid(invoice, now), invoice.traceparent))
    paid_by_account = {r.account_id: r for r in booking.paid.values()}
    for account_id in await store.clear_delinquencies(uow, paid_by_account, now):
        invoice = paid_by_account[account_id]
        reinstated = AccountReinstated(
            lead_id=invoice.lead_id,
            account_id=account_id,
            invoice_id=invoice.invoice_id,
            reinstated_at=now,
        )
        booking.events.append((reinstated, invoice.traceparent))
    await uow.emit_many(booking.events)
    await store.save_lines(uow, line_rows)
    counts = Counter(row["status"] for row in line_rows)
    amounts: dict[str, Decimal] = {}
    for row in line_rows:
        amounts[row["status"]] = amounts.get(row["status"], ZERO) + row["amount"]
    return ImportOutcome(
        statement.statement_id, len(chunk), len(chunk) - len(new), dict(counts), amounts
    )


def _book(
    statement: BankStatement,
    match: LineMatch,
    by_id: dict[UUID, store.OpenReceivable],
    journeys: dict[UUID, store.Journey],
    booking: _Booking,
) -> UUID:
    """The payment of a line whose customer is known, and the application of its cash."""
    line, account_id = match.line, match.account_id
    assert account_id is not None
    payment_id = uuid4()
    received_at = datetime.combine(line.booking_date, time(), UTC)
    booking.payments.append(
        {
            "id": payment_id,
            "external_reference": f"bank:{statement.statement_id}:{line.entry_reference}",
            "account_id": account_id,
            "currency": line.currency,
            "amount": line.amount,
            "method": "bank_transfer",
            "status": "received",
            "invoice_reference": match.invoice_number,
            "received_at": received_at,
            "announced": True,
        }
    )
    allocations = match.application.allocations if match.application else ()
    first = by_id[allocations[0].invoice_id] if allocations else None
    journey = (
        journeys[account_id] if first is None else store.Journey(first.lead_id, first.traceparent)
    )
    # A ledger of just the invoices this payment pays, at their balances before it: the
    # ledger's rules refuse any application beyond the payment or an invoice's balance.
    ledger = Ledger(
        [
            Posting("invoice", a.amount + a.remaining_balance, invoice_id=a.invoice_id)
            for a in allocations
        ]
    )
    added = ledger.receive_payment(payment_id, line.amount)
    amount = Money(amount=line.amount, currency=line.currency)
    booking.events.append(
        (
            PaymentReceived(
                lead_id=journey.lead_id,
                account_id=account_id,
                payment_id=payment_id,
                external_reference=f"bank:{statement.statement_id}:{line.entry_reference}",
                amount=amount,
                method="bank_transfer",
                received_at=received_at,
            ),
            journey.traceparent,
        )
    )
    for allocation in allocations:
        invoice = by_id[allocation.invoice_id]
        application_id = uuid4()
        added += ledger.apply(
            application_id, invoice.invoice_id, allocation.amount, payment_id=payment_id
        )
        booking.events.append(
            (
                PaymentApplied(
                    lead_id=invoice.lead_id,
                    account_id=account_id,
                    application_id=application_id,
                    invoice_id=invoice.invoice_id,
                    invoice_number=invoice.invoice_number,
                    payment_id=payment_id,
                    amount=Money(amount=allocation.amount, currency=line.currency),
                    invoice_balance=Money(
                        amount=allocation.remaining_balance, currency=line.currency
                    ),
                    applied_at=booking.now,
                ),
                invoice.traceparent,
            )
        )
        if allocation.remaining_balance == 0:
            booking.paid[invoice.invoice_id] = invoice
    booking.postings += posting_rows(account_id, line.currency, added, booking.now)
    return payment_id


def _line_row(
    statement_id: str,
    line: StatementLine,
    match: LineMatch | None,
    payment_id: UUID | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "statement_id": statement_id,
        "entry_reference": line.entry_reference,
        "booking_date": line.booking_date,
        "amount": line.amount,
        "currency": line.currency,
        "direction": line.direction,
        "payer_name": line.payer_name,
        "payer_account": line.payer_account,
        "reference": line.reference,
        "status": "ignored" if match is None else match.status,
        "method": "none" if match is None else match.method,
        "account_id": None if match is None else match.account_id,
        "payment_id": payment_id,
        "invoice_number": None if match is None else match.invoice_number,
        "invoice_balance": None if match is None else match.invoice_balance,
        "applied": ZERO if match is None else match.applied,
        "unapplied": line.amount if match is None else match.unapplied,
        "imported_at": now,
    }


async def assign_line(
    statement_id: str, entry_reference: str, account_id: UUID, uow: UnitOfWork
) -> LineMatch:
    """Finance names the customer of an unidentified credit: it becomes a payment of that
    customer, applied by the cash application rule (`cash.record_payment`), and the line
    records where it went. 409 for a line that is not an unidentified credit."""
    line = await store.locked_line(uow, statement_id, entry_reference)
    if line.status != "unmatched" or line.account_id is not None:
        raise Conflict(
            f"line {entry_reference} of {statement_id} is {line.status}"
            + (f" (customer {line.account_id})" if line.account_id else "")
            + ": only an unidentified credit is assigned"
        )
    outcome = await record_payment(
        PaymentCommand(
            external_reference=f"bank:{statement_id}:{entry_reference}",
            account_id=account_id,
            amount=Money(amount=line.amount, currency=line.currency),
            method="bank_transfer",
            invoice_number=None,
            received_at=datetime.combine(line.booking_date, time(), UTC),
            wait_for_invoice=False,
        ),
        uow,
    )
    application = outcome.application
    first = application.allocations[0] if application and application.allocations else None
    parsed = StatementLine(
        entry_reference, line.booking_date, line.amount, line.currency, "credit", True,
        None, None, None,
    )  # fmt: skip
    match = LineMatch(
        parsed,
        "manual",
        account_id,
        first.invoice_number if first else None,
        application if first else None,
        first.remaining_balance if first else None,
    )
    await store.settle_line(
        uow,
        line,
        {
            "status": match.status,
            "method": "manual",
            "account_id": account_id,
            "payment_id": outcome.payment_id,
            "invoice_number": match.invoice_number,
            "invoice_balance": match.invoice_balance,
            "applied": match.applied,
            "unapplied": match.unapplied,
        },
    )
    return match
