"""The receivables subledger of one account, as a pure list of postings.

Every movement of money is a posting; nothing is ever updated or deleted, a mistake is undone
by a reversing posting. Signs: what the customer owes is positive.

- an invoice posts +total on the invoice;
- a payment or a credit note posts −amount on the account's *unapplied* funds (no invoice);
- an application moves funds from unapplied to an invoice: +x unapplied, −x on the invoice;
  an unapplication is the same pair reversed;
- a write-off posts −balance on the invoice; a void posts −total on it (after its applications
  went back to unapplied); reversing a write-off posts +amount on the invoice again;
- a refund posts +amount on unapplied funds (money paid back out of a payment's or a credit
  note's funds, each posting naming the one it draws on); a failed refund is reversed by the
  opposite postings, and the money is unapplied again.

So the account balance (the sum of all postings) is always
invoices − payments − credits − write-offs − voids + refunds + reversed write-offs, and
applications never change it.

Example: a paid invoice of 181.50 (a payment of 181.50 applied to it) credited 60.50 leaves the
invoice at 0.00 and 60.50 of customer credit unapplied; refunding 60.50 of the payment draws
them, leaving unapplied funds and the account balance at 0.00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal
from uuid import UUID

PostingKind = Literal[
    "invoice",
    "payment",
    "credit",
    "application",
    "unapplication",
    "write_off",
    "void",
    "refund",
    "refund_reversal",
    "write_off_reversal",
]
PLUS_KINDS = frozenset({"invoice", "application", "refund", "write_off_reversal"})
ZERO = Decimal(0)


class LedgerError(ValueError):
    """An operation the subledger refuses (it would create or lose money)."""


@dataclass(frozen=True)
class Posting:
    kind: PostingKind
    amount: Decimal
    invoice_id: UUID | None = None
    payment_id: UUID | None = None
    credit_note_id: UUID | None = None
    application_id: UUID | None = None
    refund_id: UUID | None = None

    @property
    def source_id(self) -> UUID | None:
        """The payment or credit note whose funds this posting moves."""
        return self.payment_id or self.credit_note_id


@dataclass(frozen=True)
class Application:
    application_id: UUID
    invoice_id: UUID
    amount: Decimal
    payment_id: UUID | None = None
    credit_note_id: UUID | None = None


@dataclass
class Ledger:
    """An account's postings with the rules that add to them. Each operation returns the
    postings it added (to be stored) and refuses what would break a balance."""

    postings: list[Posting] = field(default_factory=list)

    # -- balances ---------------------------------------------------------------------
    def balance(self) -> Decimal:
        """What the customer owes overall (negative: we owe them)."""
        return sum((p.amount for p in self.postings), ZERO)

    def invoice_balance(self, invoice_id: UUID) -> Decimal:
        """What is still open on one invoice."""
        return sum((p.amount for p in self.postings if p.invoice_id == invoice_id), ZERO)

    def unapplied(self, source_id: UUID | None = None) -> Decimal:
        """Funds not applied to any invoice: of one payment/credit note, or of all of them."""
        return -sum(
            (
                p.amount
                for p in self.postings
                if p.invoice_id is None and (source_id is None or p.source_id == source_id)
            ),
            ZERO,
        )

    def total(self, kind: PostingKind) -> Decimal:
        """The sum of the postings of one kind, as a positive figure for the minus kinds."""
        amount = sum((p.amount for p in self.postings if p.kind == kind), ZERO)
        return amount if kind in PLUS_KINDS else -amount

    def live_applications(self, invoice_id: UUID | None = None) -> list[Application]:
        """Applications not reversed, optionally of one invoice, oldest first."""
        reversed_ids = {p.application_id for p in self.postings if p.kind == "unapplication"}
        found = []
        for p in self.postings:
            if (
                p.kind == "application"
                and p.invoice_id is not None
                and p.application_id is not None
                and p.application_id not in reversed_ids
                and (invoice_id is None or p.invoice_id == invoice_id)
            ):
                found.append(
                    Application(
                        p.application_id, p.invoice_id, -p.amount, p.payment_id, p.credit_note_id
                    )
                )
        return found

    # -- operations -------------------------------------------------------------------
    def _add(self, new: Iterable[Posting]) -> list[Posting]:
        added = list(new)
        self.postings.extend(added)
        return added

    def invoice(self, invoice_id: UUID, total: Decimal) -> list[Posting]:
        """An issued invoice becomes owed."""
        if total < 0:
            raise LedgerError("an invoice total cannot be negative")
        if any(p.invoice_id == invoice_id and p.kind == "invoice" for p in self.postings):
            raise LedgerError(f"invoice {invoice_id} is already posted")
        return self._add([Posting("invoice", total, invoice_id=invoice_id)])

    def receive_payment(self, payment_id: UUID, amount: Decimal) -> list[Posting]:
        """Cash received: unapplied until applied to invoices."""
        if amount <= 0:
            raise LedgerError("a payment must be positive")
        return self._add([Posting("payment", -amount, payment_id=payment_id)])

    def issue_credit(self, credit_note_id: UUID, amount: Decimal) -> list[Posting]:
        """A credit note: customer credit, unapplied until applied to invoices."""
        if amount <= 0:
            raise LedgerError("a credit note must be positive")
        return self._add([Posting("credit", -amount, credit_note_id=credit_note_id)])

    def apply(
        self,
        application_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        payment_id: UUID | None = None,
        credit_note_id: UUID | None = None,
    ) -> list[Posting]:
        """Move `amount` of a payment's (or credit note's) unapplied funds onto an invoice.
        Refused beyond the funds left or the invoice's open balance."""
        if (payment_id is None) == (credit_note_id is None):
            raise LedgerError("an application takes funds from one payment or one credit note")
        source = payment_id or credit_note_id
        if amount <= 0:
            raise LedgerError("an application must be positive")
        if amount > self.unapplied(source):
            raise LedgerError(f"only {self.unapplied(source)} of {source} is unapplied")
        if amount > self.invoice_balance(invoice_id):
            raise LedgerError(
                f"invoice {invoice_id} has only {self.invoice_balance(invoice_id)} open"
            )
        ids = {"payment_id": payment_id, "credit_note_id": credit_note_id}
        return self._add(
            [
                Posting("application", amount, None, application_id=application_id, **ids),
                Posting("application", -amount, invoice_id, application_id=application_id, **ids),
            ]
        )

    def unapply(self, application_id: UUID) -> list[Posting]:
        """Reverse an application: its funds are unapplied again, the invoice owes them."""
        live = {a.application_id: a for a in self.live_applications()}
        if application_id not in live:
            raise LedgerError(f"application {application_id} is unknown or already reversed")
        a = live[application_id]
        ids = {"payment_id": a.payment_id, "credit_note_id": a.credit_note_id}
        return self._add(
            [
                Posting("unapplication", -a.amount, None, application_id=application_id, **ids),
                Posting(
                    "unapplication", a.amount, a.invoice_id, application_id=application_id, **ids
                ),
            ]
        )

    def write_off(self, invoice_id: UUID) -> list[Posting]:
        """Write off what is still open on an invoice (nothing if it is settled)."""
        open_balance = self.invoice_balance(invoice_id)
        if open_balance <= 0:
            return []
        return self._add([Posting("write_off", -open_balance, invoice_id=invoice_id)])

    def void(self, invoice_id: UUID) -> list[Posting]:
        """Cancel an invoice: cash and credit applied to it go back to unapplied, then its
        total is reversed, leaving it at zero."""
        total = sum(
            (p.amount for p in self.postings if p.invoice_id == invoice_id and p.kind == "invoice"),
            ZERO,
        )
        mine = [p for p in self.postings if p.invoice_id == invoice_id]
        written_off = -sum(
            (p.amount for p in mine if p.kind in ("write_off", "write_off_reversal")), ZERO
        )
        if any(p.kind == "void" for p in mine) or written_off > 0:
            raise LedgerError(f"invoice {invoice_id} is already voided or written off")
        added: list[Posting] = []
        for application in self.live_applications(invoice_id):
            added += self.unapply(application.application_id)
        added += self._add([Posting("void", -total, invoice_id=invoice_id)])
        return added

    def refund(
        self, refund_id: UUID, amount: Decimal, sources: Iterable[tuple[UUID | None, UUID | None]]
    ) -> list[Posting]:
        """Pay `amount` back out of unapplied funds, drawing on `sources` ((payment id, credit
        note id) pairs) in their order. Refused beyond what they have unapplied."""
        if amount <= 0:
            raise LedgerError("a refund must be positive")
        if any(p.refund_id == refund_id for p in self.postings):
            raise LedgerError(f"refund {refund_id} is already posted")
        drawn: list[Posting] = []
        left = amount
        for payment_id, credit_note_id in sources:
            available = self.unapplied(payment_id or credit_note_id)
            take = min(left, available)
            if take > 0:
                drawn.append(
                    Posting(
                        "refund",
                        take,
                        payment_id=payment_id,
                        credit_note_id=credit_note_id,
                        refund_id=refund_id,
                    )
                )
                left -= take
            if left == 0:
                return self._add(drawn)
        raise LedgerError(f"only {amount - left} of the funds named is unapplied; {amount} asked")

    def reverse_refund(self, refund_id: UUID) -> list[Posting]:
        """A refund that failed: its money is unapplied again, in the funds it came from."""
        mine = [p for p in self.postings if p.refund_id == refund_id]
        if not any(p.kind == "refund" for p in mine):
            raise LedgerError(f"refund {refund_id} is not posted")
        if any(p.kind == "refund_reversal" for p in mine):
            raise LedgerError(f"refund {refund_id} is already reversed")
        return self._add(
            [
                Posting(
                    "refund_reversal",
                    -p.amount,
                    payment_id=p.payment_id,
                    credit_note_id=p.credit_note_id,
                    refund_id=refund_id,
                )
                for p in mine
            ]
        )

    def reverse_write_off(self, invoice_id: UUID, amount: Decimal) -> list[Posting]:
        """The invoice owes `amount` written off again (at most what is written off on it)."""
        written_off = -sum(
            (
                p.amount
                for p in self.postings
                if p.invoice_id == invoice_id and p.kind in ("write_off", "write_off_reversal")
            ),
            ZERO,
        )
        if amount <= 0 or amount > written_off:
            raise LedgerError(f"invoice {invoice_id} has {written_off} written off; {amount} asked")
        return self._add([Posting("write_off_reversal", amount, invoice_id=invoice_id)])
