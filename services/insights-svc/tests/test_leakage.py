"""The leakage detectors over facts planted so each finds one thing, amounts by hand; adding
the fixing event clears each finding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from insights_svc.domain.facts import Fact
from insights_svc.domain.leakage import DETECTORS, Policy, detect, totals

T0 = datetime(2026, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
LEAD = UUID(int=7)
POLICY = Policy()


def fact(stage: str, at: datetime, ids: dict[str, str], **amounts: str) -> Fact:
    return Fact(
        event_id=f"{stage}-{at.isoformat()}-{sorted(ids.items())}",
        stage=stage,
        lead_id=LEAD,
        account_id=None,
        occurred_at=at,
        ids=ids,
        amounts=dict(amounts),
        detail={"currency": "EUR"},
    )


def found(facts: list[Fact], now: datetime) -> dict[str, Decimal | None]:
    return {f.detector: f.amount for f in detect(facts, now, POLICY)}


def test_signed_contract_without_an_order_after_an_hour() -> None:
    signed = fact("ContractSigned", T0, {"contract_id": "c1"}, total_contract_value="14400.00")
    assert found([signed], T0 + 59 * 60 * timedelta(seconds=1)) == {}
    assert found([signed], T0 + H) == {"contract_signed_without_order": Decimal("14400.00")}
    order = fact("OrderPlaced", T0 + 2 * H, {"order_id": "o1", "contract_id": "c1"})
    subscription = fact("SubscriptionActivated", T0 + 2 * H, {"order_id": "o1"})
    assert found([signed, order, subscription], T0 + 3 * H) == {}
    ended = fact("ContractTerminated", T0 + 2 * H, {"contract_id": "c1"})
    assert found([signed, ended], T0 + 3 * H) == {}


def test_order_without_subscription_has_the_contracts_value_at_risk() -> None:
    signed = fact("ContractSigned", T0, {"contract_id": "c1"}, total_contract_value="14400.00")
    order = fact("OrderPlaced", T0, {"order_id": "o1", "contract_id": "c1"})
    assert found([signed, order], T0 + H) == {"order_without_subscription": Decimal("14400.00")}
    ended = fact("ContractTerminated", T0 + H, {"contract_id": "c1"})
    assert found([signed, order, ended], T0 + 2 * H) == {}


def test_subscription_without_its_first_invoice_in_advance_or_in_arrears() -> None:
    sub = fact(
        "SubscriptionActivated",
        T0,
        {"subscription_id": "s1", "order_id": "o1"},
        recurring_amount="1200.00",
    )
    assert found([sub], T0 + D) == {"subscription_not_invoiced": Decimal("1200.00")}
    invoice = fact("InvoiceIssued", T0 + 2 * D, {"subscription_id": "s1"}, total="1428.00")
    assert found([sub, invoice], T0 + 3 * D) == {}
    arrears = Fact(
        **{
            **fact("OrderPlaced", T0, {"order_id": "o1", "contract_id": "c9"}).__dict__,
            "detail": {"billing_timing": "in_arrears"},
        }
    )
    subscription_in_arrears = Fact(
        **{**sub.__dict__, "detail": {"currency": "EUR", "billing_period": "month"}}
    )
    # due at the end of the month (31 days at most), then a day's allowance
    facts = [arrears, subscription_in_arrears]
    assert "subscription_not_invoiced" not in found(facts, T0 + 31 * D)
    assert found(facts, T0 + 32 * D)["subscription_not_invoiced"] == Decimal("1200.00")


def test_a_trial_defers_the_first_invoice_and_a_cancellation_in_it_is_no_leak() -> None:
    sub = fact("SubscriptionActivated", T0, {"subscription_id": "s1", "order_id": "o1"})
    sub = Fact(**{**sub.__dict__, "amounts": {"recurring_amount": "100.00"}})
    order = fact("OrderPlaced", T0, {"order_id": "o1", "contract_id": "c1"})
    order = Fact(**{**order.__dict__, "detail": {"trial_days": "14"}})
    # first paid day T0 + 14 days, then a day's allowance
    assert "subscription_not_invoiced" not in found([order, sub], T0 + 14 * D)
    assert found([order, sub], T0 + 15 * D)["subscription_not_invoiced"] == Decimal("100.00")
    cancelled = fact("SubscriptionTerminated", T0 + 9 * D, {"subscription_id": "s1"})
    cancelled = Fact(**{**cancelled.__dict__, "detail": {"during_trial": "True"}})
    assert found([order, sub, cancelled], T0 + 60 * D) == {}


def test_overdue_invoice_without_dunning() -> None:
    first = fact("InvoiceOverdue", T0, {"invoice_id": "i1"}, balance="1428.00")
    # a partial payment later: the latest balance is at risk
    second = fact("InvoiceOverdue", T0 + D, {"invoice_id": "i1"}, balance="428.00")
    assert found([first, second], T0 + D) == {}
    assert found([first, second], T0 + 2 * D) == {"overdue_without_dunning": Decimal("428.00")}
    notice = fact("DunningNoticeSent", T0 + 3 * D, {"invoice_id": "i1"}, balance="428.00")
    assert found([first, second, notice], T0 + 4 * D) == {}
    paid = fact("InvoicePaid", T0 + 3 * D, {"invoice_id": "i1"}, amount="428.00")
    assert found([first, second, paid], T0 + 4 * D) == {}


def test_payment_left_unapplied_counts_what_is_not_applied() -> None:
    received = fact("PaymentReceived", T0, {"payment_id": "p1"}, amount="1000.00")
    applied = fact(
        "PaymentApplied", T0 + H, {"payment_id": "p1", "invoice_id": "i1"}, amount="600.00"
    )
    back = fact("PaymentUnapplied", T0 + 2 * H, {"payment_id": "p1"}, amount="100.00")
    # 1000.00 - 600.00 + 100.00 = 500.00 left after three days
    assert found([received, applied, back], T0 + 3 * D - H) == {}
    assert found([received, applied, back], T0 + 3 * D) == {"payment_unapplied": Decimal("500.00")}
    rest = fact("PaymentApplied", T0 + 4 * D, {"payment_id": "p1"}, amount="500.00")
    assert found([received, applied, back, rest], T0 + 5 * D) == {}


def test_discount_beyond_the_limit_without_approval() -> None:
    # list 10000.00, discount 2000.00 (20 %): 15 % = 1500.00 allowed, 500.00 beyond it
    accepted = fact(
        "QuoteAccepted",
        T0,
        {"quote_id": "q1"},
        **{"totals.list_total": "10000.00", "totals.discount_total": "2000.00"},
    )
    assert found([accepted], T0) == {"discount_without_approval": Decimal("500.00")}
    approved = fact("QuoteApproved", T0 - H, {"quote_id": "q1"})
    assert found([accepted, approved], T0) == {}
    within = fact(
        "QuoteAccepted",
        T0,
        {"quote_id": "q2"},
        **{"totals.list_total": "10000.00", "totals.discount_total": "1500.00"},
    )
    assert found([within], T0) == {}


def test_totals_per_detector_and_currency() -> None:
    facts = [
        fact("PaymentReceived", T0, {"payment_id": "p1"}, amount="10.10"),
        fact("PaymentReceived", T0, {"payment_id": "p2"}, amount="0.20"),
    ]
    sums = totals(detect(facts, T0 + 4 * D, POLICY))
    assert sums["payment_unapplied"] == {"EUR": Decimal("10.30")}
    assert set(sums) == set(DETECTORS)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_each_detector_is_explained_in_one_sentence(name: str) -> None:
    explanation = DETECTORS[name][1]
    assert explanation.endswith(".") and explanation.count(". ") == 0
