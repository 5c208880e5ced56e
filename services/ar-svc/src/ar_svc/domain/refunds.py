"""Refunds: how much may be paid back, and out of which funds. Pure rules.

A refund pays money back out of the account's unapplied funds (it never takes cash applied to
an invoice: unapply it first).

- A refund of a payment goes back to that payment (its method, through the gateway): at most
  the payment's amount less what was refunded of it already (failed refunds do not count),
  drawn first from the payment's own unapplied cash, then from customer credit (credit notes'
  unapplied funds, oldest first) — a credited paid invoice leaves its credit there.
- A refund of unapplied cash names no payment: at most all the account's unapplied funds in
  the currency, drawn oldest first.

Example: a payment of 181.50 paid an invoice in full; a credit note of 60.50 then credited it.
The payment has nothing unapplied, the customer credit is 60.50: 60.50 of the payment is
refundable (min(181.50 − 0.00, 0.00 + 60.50)); 60.51 is refused.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ar_svc.domain.ledger import Ledger
from l2c_schemas.errors import RuleViolation

Source = tuple[UUID | None, UUID | None]
"""(payment id, credit note id): the funds a refund draws on."""


def funding_sources(ledger: Ledger, payment_id: UUID | None) -> list[Source]:
    """The funds a refund draws on, in order: of a payment, the payment then customer
    credit; of unapplied cash, every payment and credit note oldest first."""
    found: list[Source] = []
    for p in ledger.postings:
        source = (p.payment_id, p.credit_note_id)
        if p.kind not in ("payment", "credit") or source in found:
            continue
        if payment_id is None or p.credit_note_id is not None:
            found.append(source)
    if payment_id is not None:
        found.insert(0, (payment_id, None))
    return found


def refundable(
    ledger: Ledger,
    sources: list[Source],
    payment_amount: Decimal | None = None,
    refunded: Decimal = Decimal(0),
) -> Decimal:
    """What may be refunded: the unapplied funds of `sources`, and for a payment at most its
    amount less what was refunded of it already."""
    available = sum((ledger.unapplied(p or c) for p, c in sources), Decimal(0))
    if payment_amount is None:
        return available
    return max(min(payment_amount - refunded, available), Decimal(0))


def check_refund(amount: Decimal, allowed: Decimal, currency: str, places: int = 2) -> None:
    """Refuse a refund that is not positive, finer than the currency, or beyond `allowed`."""
    if amount <= 0:
        raise RuleViolation("a refund must be positive")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise RuleViolation(f"the refund {amount} has more than {places} decimals")
    if amount > allowed:
        raise RuleViolation(f"only {allowed} {currency} is refundable; {amount} asked")
