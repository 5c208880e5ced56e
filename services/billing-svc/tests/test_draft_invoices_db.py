"""Draft invoices on a real database, through the HTTP API: a subscription that does not
finalize automatically gets drafts that take no number and tell no one; finance finalizes
them into exactly the invoice the billing run would have issued. Amounts by hand: 10 seats at
10.00 and a 50.00 onboarding fee, taxed at 19 % (DE): 150.00 + 28.50 = 178.50 EUR."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from billing_svc.api import invoices as api
from billing_svc.api import setup as api_setup
from billing_svc.app import MIGRATIONS
from billing_svc.handlers import invoices as handlers
from billing_svc.jobs import billing_pass
from l2c_documents import pdf_text_lines
from l2c_platform.local_issuer import issuer_url
from l2c_platform.testing import migrated_database
from l2c_platform.tokens import bearer
from l2c_runtime.auth import install_authentication
from l2c_runtime.db import session_factory
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.service import _add_error_handlers
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import Money, OrderPlaced, PricedLine

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

DB = "l2c_billing_svc_draft_tests"
MARCH_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)


class Today:
    """The service's clock, fixed at 1 March 2026 unless a test moves it."""

    moment = MARCH_1

    def now(self) -> datetime:
        return self.moment


class Finance:
    """billing-svc's API as a finance user calls it, plus what a test looks up behind it."""

    def __init__(
        self, http: httpx.AsyncClient, unit_of_work: Any, clock: Today, env: pytest.MonkeyPatch
    ) -> None:
        self.http, self.unit_of_work, self.clock, self.env = http, unit_of_work, clock, env

    async def subscribe(self, auto_finalize: bool = False) -> UUID:
        """An order of 10 seats (10.00 a month) and onboarding (50.00) from 1 March, billed
        in advance to an account taxed in DE, activated in a deployment that finalizes
        automatically or not: its first invoice is made at once."""
        self.env.setenv("L2C_BILLING_AUTO_FINALIZE", str(auto_finalize).lower())
        account = uuid4()
        await self.http.put("/tax-rates/DE", json={"rate": "0.19", "name": "USt"})
        await self.http.put(f"/accounts/{account}/tax-jurisdiction", json={"jurisdiction": "DE"})
        lines = [
            (1, "SEAT", "Seat", "recurring", "month", 10, "10.00"),
            (2, "ONBOARD", "Onboarding", "one_time", None, 1, "50.00"),
        ]
        placed = OrderPlaced(
            lead_id=uuid4(),
            account_id=account,
            order_id=uuid4(),
            contract_id=uuid4(),
            customer_name="Analytical Engines (Ltd)",
            currency="EUR",
            start_date=date(2026, 3, 1),
            end_date=date(2027, 2, 28),
            billing_period="month",
            payment_terms_days=30,
            placed_at=MARCH_1,
            lines=[
                PricedLine(
                    line_no=no,
                    product_code=code,
                    description=text,
                    charge=charge,
                    billing_period=period,
                    quantity=Decimal(qty),
                    unit_price=Money.of(price, "EUR"),
                    list_amount=Money.of(Decimal(price) * qty, "EUR"),
                    discount_percent=Decimal(0),
                    discount_amount=Money.zero("EUR"),
                    net_amount=Money.of(Decimal(price) * qty, "EUR"),
                )
                for no, code, text, charge, period, qty, price in lines
            ],
        )
        async with self.unit_of_work() as uow:
            return await handlers.activate_subscription(placed, uow)

    async def invoices(self, **params: str) -> list[dict[str, Any]]:
        return list((await self.http.get("/invoices", params=params)).json())

    async def invoice_of(self, subscription: UUID) -> dict[str, Any]:
        (invoice,) = await self.invoices(subscription_id=str(subscription))
        return invoice

    async def finalize(self, invoice: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"/invoices/{invoice['id']}/finalize")

    async def announced(self, ce_type: str) -> dict[str, dict[str, Any]]:
        """Payloads of the outbox's events of a type, by invoice id."""
        async with self.unit_of_work() as uow:
            rows = await uow.session.execute(
                sa.select(outbox.c.payload).where(outbox.c.ce_type == f"l2c.billing.{ce_type}.v1")
            )
            payloads = [json.loads(row.payload) for row in rows]
        return {p["invoice_id"]: p for p in payloads}

    async def run_billing(self) -> int:
        return await billing_pass(SimpleNamespace(unit_of_work=self.unit_of_work))  # type: ignore[arg-type]

    async def scheduled(self, invoice: dict[str, Any]) -> Decimal:
        rows = await self.http.get("/revenue-schedules", params={"document_id": invoice["id"]})
        return sum((Decimal(r["amount"]) for r in rows.json()), Decimal(0))


@pytest.fixture
async def finance(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Finance]:
    monkeypatch.setenv("L2C_BILLING_ISSUER", "L2C Billing GmbH")
    async with migrated_database(DB, MIGRATIONS) as engine:
        clock = Today()
        unit_of_work = unit_of_work_factory(session_factory(engine), clock, "/test")
        app = FastAPI()
        app.include_router(api.router)
        app.include_router(api_setup.router)
        app.state.runtime = SimpleNamespace(unit_of_work=unit_of_work)
        _add_error_handlers(app)  # the service's mapping: Conflict → 409 with the reason
        install_authentication(app, ServiceSettings(oidc_issuer=issuer_url()))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://billing", headers=bearer(["finance"], "fiona")
        ) as http:
            yield Finance(http, unit_of_work, clock, monkeypatch)


def amounts(invoice: dict[str, Any]) -> tuple[Any, ...]:
    lines = [(line["product_code"], line["amount"]) for line in invoice["lines"]]
    return (lines, invoice["subtotal"], invoice["tax_total"], invoice["total"])


HAND_COMPUTED = ([("SEAT", "100.00"), ("ONBOARD", "50.00")], "150.00", "28.50", "178.50")


async def test_a_draft_takes_no_number_and_tells_no_one(finance: Finance) -> None:
    sid = await finance.subscribe()
    (draft,) = await finance.invoices(status="draft")
    assert draft["subscription_id"] == str(sid)
    assert amounts(draft) == HAND_COMPUTED
    assert draft["invoice_number"] is None
    assert (draft["issue_date"], draft["due_date"], draft["issued_at"]) == (None, None, None)
    assert draft["drafted_at"] is not None
    assert await finance.announced("InvoiceIssued") == {}  # ar-svc opens no receivable
    assert await finance.scheduled(draft) == 0  # no revenue scheduled
    assert await finance.invoices(status="issued") == []
    # The draft is March's invoice: the run owes the period nothing more.
    assert await finance.run_billing() == 0
    assert [i["id"] for i in await finance.invoices(subscription_id=str(sid))] == [draft["id"]]


async def test_finalizing_issues_exactly_what_the_billing_run_would_have(
    finance: Finance,
) -> None:
    automatic = await finance.invoice_of(await finance.subscribe(auto_finalize=True))
    first = await finance.invoice_of(await finance.subscribe())
    second = await finance.invoice_of(await finance.subscribe())
    assert automatic["invoice_number"] == "INV-2026-000001"

    finalized_second = (await finance.finalize(second)).json()
    finalized_first = (await finance.finalize(first)).json()

    # Consecutive numbers, in the order finance finalizes: the drafts held none back.
    assert finalized_second["invoice_number"] == "INV-2026-000002"
    assert finalized_first["invoice_number"] == "INV-2026-000003"
    same_as_automatic = (
        "status",
        "issue_date",
        "due_date",
        "issued_at",
        "period_start",
        "period_end",
        "tax_jurisdiction",
        "tax_rate",
        "currency",
    )
    for invoice in (finalized_first, finalized_second):
        assert amounts(invoice) == amounts(automatic) == HAND_COMPUTED
        assert {k: invoice[k] for k in same_as_automatic} == {
            k: automatic[k] for k in same_as_automatic
        }
        assert (invoice["status"], invoice["issue_date"], invoice["due_date"]) == (
            "issued",
            "2026-03-01",
            "2026-03-31",
        )
        assert await finance.scheduled(invoice) == Decimal("150.00")
    announced = await finance.announced("InvoiceIssued")
    assert len(announced) == 3

    def without_ids(event: dict[str, Any]) -> dict[str, Any]:
        ids = ("invoice_id", "invoice_number", "subscription_id", "account_id", "lead_id")
        return {k: v for k, v in event.items() if k not in ids}

    assert without_ids(announced[finalized_first["id"]]) == without_ids(announced[automatic["id"]])
    assert announced[finalized_first["id"]]["invoice_number"] == "INV-2026-000003"


async def test_only_a_draft_can_be_finalized_and_a_voided_draft_never_gets_a_number(
    finance: Finance,
) -> None:
    automatic = await finance.invoice_of(await finance.subscribe(auto_finalize=True))
    refused = await finance.finalize(automatic)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "invoice INV-2026-000001 is issued; only a draft can be finalized"
    )

    cancelled = await finance.invoice_of(await finance.subscribe())
    voided = await finance.http.post(
        f"/invoices/{cancelled['id']}/void", json={"reason": "wrong seats"}
    )
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["invoice_number"]) == ("void", None)
    assert await finance.announced("InvoiceVoided") == {}  # nobody was told of the draft
    refused = await finance.finalize(cancelled)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"invoice {cancelled['id']} is void; only a draft can be finalized"
    )

    kept = await finance.invoice_of(await finance.subscribe())
    assert (await finance.finalize(kept)).json()["invoice_number"] == "INV-2026-000002"
    twice = await finance.finalize(kept)
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        "invoice INV-2026-000002 is issued; only a draft can be finalized"
    )
    assert len(await finance.announced("InvoiceIssued")) == 2


async def test_a_subscription_switched_to_automatic_gets_its_next_invoice_issued(
    finance: Finance,
) -> None:
    sid = await finance.subscribe()
    unknown = await finance.http.put(
        f"/subscriptions/{uuid4()}/auto-finalize", json={"auto_finalize": True}
    )
    assert unknown.status_code == 404
    put = await finance.http.put(
        f"/subscriptions/{sid}/auto-finalize", json={"auto_finalize": True}
    )
    assert put.json() == {"subscription_id": str(sid), "auto_finalize": True}
    finance.clock.moment = datetime(2026, 4, 2, 9, tzinfo=UTC)  # April is due (1 day grace)
    assert await finance.run_billing() == 1
    march, april = await finance.invoices(subscription_id=str(sid))
    assert (march["status"], march["invoice_number"]) == ("draft", None)  # stays a draft
    assert (april["status"], april["invoice_number"]) == ("issued", "INV-2026-000001")
    assert amounts(april) == ([("SEAT", "100.00")], "100.00", "19.00", "119.00")


async def test_the_invoice_pdf_shows_number_parties_lines_tax_and_totals(
    finance: Finance,
) -> None:
    sid = await finance.subscribe(auto_finalize=True)
    invoice = await finance.invoice_of(sid)
    response = await finance.http.get(f"/invoices/{invoice['id']}/document.pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="invoice-INV-2026-000001.pdf"' in response.headers["content-disposition"]
    text = pdf_text_lines(response.content)
    assert text[0] == "Invoice INV-2026-000001"
    for expected in (
        "Status: ISSUED",
        "From: L2C Billing GmbH",
        f"Bill to: Analytical Engines (Ltd), account {invoice['account_id']}",
        "Issue date: 2026-03-01    Due date: 2026-03-31    Currency: EUR",
        "1. Seat (SEAT, 2026-03-01 - 2026-03-31) qty 10: 100.00 EUR",
        "2. Onboarding (ONBOARD, 2026-03-01 - 2026-03-01) qty 1: 50.00 EUR",
        "Subtotal: 150.00 EUR",
        "Tax DE 19 %: 28.50 EUR",
        "Total: 178.50 EUR",
    ):
        assert expected in text
    html = (await finance.http.get(f"/invoices/{invoice['id']}/document.html")).text
    assert "Invoice INV-2026-000001" in html and "178.50 EUR" in html


async def test_a_draft_document_says_it_is_a_draft_without_number_or_dates(
    finance: Finance,
) -> None:
    draft = await finance.invoice_of(await finance.subscribe())
    response = await finance.http.get(f"/invoices/{draft['id']}/document.pdf")
    text = pdf_text_lines(response.content)
    assert text[:2] == ["Draft invoice (numbered when issued)", "Status: DRAFT"]
    assert "Issue date: when issued    Due date: when issued    Currency: EUR" in text
    assert "Total: 178.50 EUR" in text
