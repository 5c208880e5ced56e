"""A stored quote version as the document the customer reads."""

from __future__ import annotations

from typing import Any

from cpq_svc.adapters.quote_store import Quote
from cpq_svc.domain.document import DocumentLine, DocumentStep, QuoteDocument

PERIOD_WORDS = {"month": "per month", "quarter": "per quarter", "year": "per year"}


def quote_document(quote: Quote) -> QuoteDocument:
    row, currency = quote.row, quote.row["currency"]
    waterfalls = {w.line_no: w for w in quote.waterfalls}

    def amount(value: object) -> str:
        return format(value, "f")

    lines = [
        DocumentLine(
            line_no=line.line_no,
            description=line.description
            + (
                f" ({waterfalls[line.line_no].bundle_code})"
                if waterfalls[line.line_no].bundle_code
                else ""
            ),
            quantity=amount(line.quantity),
            unit_price=amount(line.unit_price.amount),
            list_amount=amount(line.list_amount.amount),
            discount_amount=amount(line.discount_amount.amount),
            net_amount=amount(line.net_amount.amount),
            steps=[
                DocumentStep(s.step, amount(s.percent), amount(s.amount.amount))
                for s in waterfalls[line.line_no].steps
            ],
            period=PERIOD_WORDS.get(line.billing_period or "")
            if line.charge == "recurring"
            else None,
        )
        for line in quote.lines
    ]
    usage = [
        f"{u.description} ({u.metric}), {u.pricing_model} per {u.unit}: "
        + "; ".join(
            f"{'up to ' + amount(t.up_to) if t.up_to is not None else 'above'} "
            f"{amount(t.unit_price.amount)} {currency}"
            for t in u.tiers
        )
        for u in quote.usage_rates
    ]
    every = PERIOD_WORDS[row["billing_period"]].replace("per ", "every ")
    priced_on = row["priced_on"] or row["created_at"].date()
    return QuoteDocument(
        quote_ref=str(row["id"])[:8].upper(),
        customer=row["account_name"],
        version=row["version"],
        status=row["status"],
        currency=currency,
        issued_on=row["created_at"].date().isoformat(),
        valid_until=row["valid_until"].isoformat(),
        lines=lines,
        list_total=amount(quote.totals.list_total.amount),
        discount_total=amount(quote.totals.discount_total.amount),
        net_total=amount(quote.totals.net_total.amount),
        usage=usage,
        terms=[
            f"Term: {row['term_months']} months, billed {every} in advance",
            f"Payment terms: net {row['payment_terms_days']} days",
            *_trial(row),
            f"Prices from the {row['price_book']} price book as of {priced_on}",
            f"This quote is valid until {row['valid_until'].isoformat()}",
        ],
    )


def _trial(row: Any) -> list[str]:
    """The trial's term on the quote, when it gives one."""
    if not row["trial_days"]:
        return []
    card = ", a payment method required" if row["trial_requires_payment_method"] else ""
    return [f"Free trial: the first {row['trial_days']} days{card}; charged from the day after"]
