"""Invoice accuracy and discount compliance from facts, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from insights_svc.domain.facts import Fact
from insights_svc.domain.quality import discount_compliance, invoice_accuracy

LEAD = uuid4()


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def fact(stage: str, day: str, currency: str = "EUR", **ids: str) -> Fact:
    detail = {"currency": currency}
    if "version" in ids:
        detail["version"] = ids.pop("version")
    return Fact(str(uuid4()), stage, LEAD, None, _at(day), ids=ids, detail=detail)


def test_invoice_accuracy_counts_invoices_not_disputed_voided_or_credited_within_30_days() -> None:
    clean, disputed, voided, credited_late, usd, before = (str(uuid4()) for _ in range(6))
    facts = [
        fact("InvoiceIssued", "2026-01-05", invoice_id=clean),
        fact("InvoiceIssued", "2026-01-10", invoice_id=disputed),
        fact("InvoiceDisputed", "2026-01-20", invoice_id=disputed),
        fact("InvoiceIssued", "2026-01-15", invoice_id=voided),
        fact("InvoiceVoided", "2026-02-14", invoice_id=voided),  # day 30: within
        fact("InvoiceIssued", "2026-01-20", invoice_id=credited_late),
        fact("CreditNoteIssued", "2026-02-20", invoice_id=credited_late),  # day 31: after
        fact("InvoiceIssued", "2026-01-25", "USD", invoice_id=usd),
        fact("InvoiceIssued", "2025-12-31", invoice_id=before),  # before the period
        fact("InvoiceDisputed", "2026-01-02", invoice_id=before),
    ]
    start, end = _at("2026-01-01"), _at("2026-02-01")
    # 5 issued in January; disputed and voided spoiled: 3/5
    assert invoice_accuracy(facts, start, end) == {
        "all": {"numerator": 3, "denominator": 5, "rate": "0.6000"}
    }
    assert invoice_accuracy(facts, start, end, grouped=True) == {
        "EUR": {"numerator": 2, "denominator": 4, "rate": "0.5000"},
        "USD": {"numerator": 1, "denominator": 1, "rate": "1.0000"},
    }
    longer = invoice_accuracy(facts, start, end, window=timedelta(days=31))
    assert longer["all"]["numerator"] == 2  # the credit note on day 31 counts now


def test_discount_compliance_counts_accepted_versions_within_policy_or_approved_first() -> None:
    plain, approved, revised, unapproved = (str(uuid4()) for _ in range(4))
    facts = [
        fact("QuoteAccepted", "2026-01-05", quote_id=plain, version="1"),
        fact("QuoteApprovalRequested", "2026-01-02", quote_id=approved, version="1"),
        fact("QuoteApproved", "2026-01-03", quote_id=approved, version="1"),
        fact("QuoteAccepted", "2026-01-06", quote_id=approved, version="1"),
        # version 1 approved, version 2 asked again and accepted without approval
        fact("QuoteApprovalRequested", "2026-01-02", quote_id=revised, version="1"),
        fact("QuoteApproved", "2026-01-03", quote_id=revised, version="1"),
        fact("QuoteApprovalRequested", "2026-01-04", quote_id=revised, version="2"),
        fact("QuoteAccepted", "2026-01-07", quote_id=revised, version="2"),
        # approved only after the acceptance
        fact("QuoteApprovalRequested", "2026-01-02", quote_id=unapproved, version="1"),
        fact("QuoteAccepted", "2026-01-08", quote_id=unapproved, version="1"),
        fact("QuoteApproved", "2026-01-09", quote_id=unapproved, version="1"),
    ]
    answer = discount_compliance(facts, _at("2026-01-01"), _at("2026-02-01"))
    assert answer == {"all": {"numerator": 2, "denominator": 4, "rate": "0.5000"}}
    assert discount_compliance(facts, _at("2026-01-07"), None) == {
        "all": {"numerator": 0, "denominator": 2, "rate": "0.0000"}
    }
    # grouped by the journey's owner (here: ana sold plain and approved, bob the other two)
    owner = {plain: "ana", approved: "ana", revised: "bob", unapproved: "bob"}
    by_owner = discount_compliance(
        facts, _at("2026-01-01"), None, key_of=lambda f: owner[f.ids["quote_id"]]
    )
    assert by_owner == {
        "ana": {"numerator": 2, "denominator": 2, "rate": "1.0000"},
        "bob": {"numerator": 0, "denominator": 2, "rate": "0.0000"},
    }
