"""Dunning on the running platform with the simulated clock: an unpaid invoice gets its
reminders at due + 1, + 7, + 14 and the final notice at + 30 (the account turns delinquent);
a late payment stops dunning, and the balance is invoices − payments − credits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import eventually
from l2c_platform.kafka_io import Record, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas import InvoiceIssued, Money
from l2c_schemas.billing import CreditNoteIssued
from l2c_schemas.topics import AR_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _of(kind: str, invoice_id: UUID | None = None, account_id: UUID | None = None) -> Any:
    def matches(r: Record) -> bool:
        if r.headers.get("ce_type") != f"l2c.ar.{kind}.v1":
            return False
        body = r.json()
        return (invoice_id is None or body.get("invoice_id") == str(invoice_id)) and (
            account_id is None or body.get("account_id") == str(account_id)
        )

    return matches


def _invoice(account: UUID, lead: UUID, total: str, today: date) -> InvoiceIssued:
    return invoice_issued(account, total, today, due_in_days=0, lead_id=lead)


async def test_dunning_schedule_delinquency_and_a_late_payment(
    platform: Platform, infra: Infrastructure
) -> None:
    ar = platform.config.base_url("ar-svc")
    bootstrap = infra.kafka_bootstrap
    account, lead = uuid4(), uuid4()
    async with operator_client(timeout=30) as client:

        async def today() -> date:
            return datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"]).date()

        async def balance() -> dict[str, Any] | None:
            response = await client.get(f"{ar}/accounts/{account}/balance")
            return response.json() if response.status_code == 200 else None

        async def advance(days: int) -> None:
            target = await today() + timedelta(days=days)
            await advance_platform_clock(bootstrap, timedelta(days=days))

            async def moved() -> bool | None:
                return True if await today() >= target else None

            await eventually(moved, f"ar-svc's clock to reach {target}", timeout=30)

        first = _invoice(account, lead, "2602.50", await today())
        await publish_message(bootstrap, first)

        async def opened() -> dict[str, Any] | None:
            state = await balance()
            return state if state and state["invoices"] else None

        await eventually(opened, "the invoice to become a receivable", timeout=30)

        notices: list[Record] = []
        for step, days in enumerate((1, 6, 7, 16), start=1):  # due + 1, + 7, + 14, + 30
            await advance(days)
            notices = await wait_for_records(
                bootstrap,
                AR_EVENTS,
                _of("DunningNoticeSent", first.invoice_id),
                count=step,
                timeout=60,
            )
            assert len(notices) == step, f"notice {step} was not sent"
        assert [(n.json()["step"], n.json()["days_past_due"]) for n in notices] == [
            (1, 1),
            (2, 7),
            (3, 14),
            (4, 30),
        ]
        assert notices[-1].json()["final"] is True
        assert [n.offset for n in notices] == sorted(n.offset for n in notices)
        delinquent = await wait_for_records(
            bootstrap, AR_EVENTS, _of("AccountDelinquent", account_id=account), timeout=60
        )
        assert len(delinquent) == 1
        overdue = await wait_for_records(
            bootstrap, AR_EVENTS, _of("InvoiceOverdue", first.invoice_id), timeout=60
        )
        assert overdue[0].json()["balance"] == {"amount": "2602.50", "currency": "EUR"}

        # A second, smaller invoice, 9.00 of it credited, stays unpaid: the sentinel that
        # shows the dunning job ran after the late payment.
        second = _invoice(account, lead, "49.00", await today())
        await publish_message(bootstrap, second)
        await publish_message(
            bootstrap,
            CreditNoteIssued(
                lead_id=lead,
                account_id=account,
                credit_note_id=uuid4(),
                credit_note_number=f"E2E-CN-{uuid4().hex[:8]}",
                invoice_id=second.invoice_id,
                currency="EUR",
                lines=[],
                subtotal=Money.of("9.00", "EUR"),
                tax_total=Money.zero("EUR"),
                total=Money.of("9.00", "EUR"),
                reason="goodwill",
                issued_at=datetime.combine(await today(), datetime.min.time()),
            ),
        )

        async def credited() -> dict[str, Any] | None:
            state = await balance()
            ok = state and any(i["balance"] == "40.00" for i in state["invoices"])
            return state if ok else None

        await eventually(credited, "the credit note to reduce the second invoice", timeout=30)

        paid = await client.post(
            f"{ar}/payments",
            json={
                "external_reference": f"e2e-late-{uuid4()}",
                "account_id": str(account),
                "amount": {"amount": "2602.50", "currency": "EUR"},
                "invoice_number": first.invoice_number,
            },
        )
        assert paid.status_code == 201, paid.text
        await wait_for_records(bootstrap, AR_EVENTS, _of("InvoicePaid", first.invoice_id))
        reinstated = await wait_for_records(
            bootstrap, AR_EVENTS, _of("AccountReinstated", account_id=account), timeout=60
        )
        assert len(reinstated) == 1  # nothing else it owes is overdue

        await advance(10)
        sentinel = await wait_for_records(
            bootstrap, AR_EVENTS, _of("DunningNoticeSent", second.invoice_id), timeout=60
        )
        assert [(n.json()["step"], n.json()["balance"]["amount"]) for n in sentinel] == [
            (2, "40.00")  # 10 days late: the latest due step (+7) only
        ]
        after = await wait_for_records(
            bootstrap, AR_EVENTS, _of("DunningNoticeSent", first.invoice_id), count=5, timeout=2
        )
        assert len(after) == 4, "dunning went on after the invoice was paid"

        state = await balance()
        assert state is not None
        # invoices 2602.50 + 49.00 − payments 2602.50 − credits 9.00 = 40.00
        assert Decimal(state["balance"]) == Decimal("40.00")
        assert [(i["invoice_number"], i["status"], i["balance"]) for i in state["invoices"]] == [
            (first.invoice_number, "paid", "0.00"),
            (second.invoice_number, "open", "40.00"),
        ]
