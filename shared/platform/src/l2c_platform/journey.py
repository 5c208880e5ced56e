"""Drive one lead from capture to cash through the services' public HTTP APIs, the way the
humans in the process would (sales moves the stage, the customer accepts and signs, the
customer pays), and record when each stage was reached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import uuid4

import httpx

from l2c_platform.tokens import client_as
from l2c_schemas import Money, PricedLine, QuoteAccepted, QuoteTotals

T = TypeVar("T")

DEMO_LEAD = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines Ltd",
    "country": "GB",
    "employees": 450,
    "title": "VP Finance",
    "source": "demo_request",
    "campaign": "autumn-webinar",
}
DEMO_LINES = [
    {"product_code": "PLAT-SEAT", "quantity": "25", "discount_percent": "10"},
    {"product_code": "ONBOARD", "quantity": "1"},
]
# 25 × 49.00 = 1225.00 less 10 % (122.50) = 1102.50 per month, plus 1500.00 onboarding once.
DEMO_FIRST_INVOICE_TOTAL = Decimal("2602.50")


def _eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def demo_quote_accepted(accepted_at: datetime, payment_terms_days: int = 30) -> QuoteAccepted:
    """The demo's quote as cpq-svc accepts it (DEMO_LINES priced: 25 seats × 49.00 less 10 %
    = 1102.50 a month, onboarding 1500.00 once), with fresh ids: drives contract-svc on its
    own (tests, benchmarks)."""
    lines = [
        PricedLine(
            line_no=1,
            product_code="PLAT-SEAT",
            description="Platform seat",
            charge="recurring",
            billing_period="month",
            quantity=Decimal(25),
            unit_price=_eur("49.00"),
            list_amount=_eur("1225.00"),
            discount_percent=Decimal(10),
            discount_amount=_eur("122.50"),
            net_amount=_eur("1102.50"),
        ),
        PricedLine(
            line_no=2,
            product_code="ONBOARD",
            description="Onboarding",
            charge="one_time",
            quantity=Decimal(1),
            unit_price=_eur("1500.00"),
            list_amount=_eur("1500.00"),
            discount_percent=Decimal(0),
            discount_amount=_eur("0"),
            net_amount=_eur("1500.00"),
        ),
    ]
    return QuoteAccepted(
        lead_id=uuid4(),
        account_id=uuid4(),
        quote_id=uuid4(),
        opportunity_id=uuid4(),
        customer_name=str(DEMO_LEAD["company"]),
        version=1,
        currency="EUR",
        term_months=12,
        billing_period="month",
        payment_terms_days=payment_terms_days,
        lines=lines,
        totals=QuoteTotals(
            list_total=_eur("2725.00"), discount_total=_eur("122.50"), net_total=_eur("2602.50")
        ),
        accepted_at=accepted_at,
    )


Negotiation = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[dict[str, Any]]]
"""The owning rep's client and a quote just created → the quote version to accept."""


@dataclass
class Stage:
    name: str
    seconds: float
    detail: str


@dataclass
class Journey:
    lead_id: str = ""
    account_id: str = ""
    opportunity_id: str = ""
    quote_id: str = ""
    contract_id: str = ""
    invoice: dict[str, Any] = field(default_factory=dict)
    payment_id: str = ""
    stages: list[Stage] = field(default_factory=list)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60.0
) -> T:
    """Poll until the probe returns something (events travel asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class JourneyDriver:
    def __init__(
        self,
        base_url: Callable[[str], str],
        timeout: float = 60.0,
        after_step: Callable[[str], Awaitable[None]] | None = None,
        negotiate: Negotiation | None = None,
        lines: list[dict[str, str]] | None = None,
    ) -> None:
        """`after_step` is awaited after each step with its name (e.g. to advance the
        simulated clock between steps); `negotiate` (the owning rep's client and the quote
        just created) returns the version the customer accepts, e.g. after a revision and its
        discount approval (by default the quote as created); `lines` are the quote's (by
        default the demo's)."""
        self._url = base_url
        self._timeout = timeout
        self._after_step = after_step
        self._negotiate = negotiate
        self._lines = lines or DEMO_LINES
        self.journey = Journey()
        self._started = time.monotonic()

    async def _mark(self, name: str, detail: str = "") -> None:
        self.journey.stages.append(Stage(name, time.monotonic() - self._started, detail))
        if self._after_step is not None:
            await self._after_step(name)

    async def _get(self, client: httpx.AsyncClient, svc: str, path: str, **params: str) -> Any:
        try:
            response = await client.get(self._url(svc) + path, params=params)
        except httpx.TransportError:
            return None  # the service is restarting: the caller polls again
        return response.json() if response.status_code == 200 else None

    async def _send(
        self, client: httpx.AsyncClient, svc: str, path: str, body: Any, key: str
    ) -> httpx.Response:
        """POST with an Idempotency-Key, again with the same key while the service is
        unreachable, failing (5xx) or still handling the first try (409 IdempotencyKeyInUse):
        a retry whose first try was done gets that first answer, never a second quote or
        payment. The answer has `unsure` set in its extensions when an earlier try may have
        been carried out (it was cut off or the service died with it)."""
        deadline = time.monotonic() + self._timeout
        unsure = False
        while True:
            try:
                response = await client.post(
                    self._url(svc) + path, json=body, headers={"Idempotency-Key": key}
                )
                if response.status_code < 500 and not _key_in_use(response):
                    response.extensions["unsure"] = unsure
                    return response
                failure = f"{response.status_code}: {response.text}"
            except httpx.TransportError as exc:
                failure = repr(exc)
            unsure = True
            if time.monotonic() > deadline:
                raise RuntimeError(f"POST {svc}{path} kept failing: {failure}")
            await asyncio.sleep(0.5)

    async def _post(
        self,
        client: httpx.AsyncClient,
        svc: str,
        path: str,
        body: Any,
        done: Callable[[], Awaitable[Any]] | None = None,
    ) -> Any:
        """POST a command. `done` reads the resource when the command's effect is there: a
        409 `IdempotentRequestApplied` after a try that may have been carried out (a service
        killed between its commit and storing the key's answer; see
        l2c_runtime.http.idempotency) is that first try's effect when `done` finds it."""
        response = await self._send(client, svc, path, body, str(uuid4()))
        if response.status_code == 409 and response.extensions.get("unsure") and done:
            effect = await done()
            if effect is not None:
                return effect
        if response.status_code >= 400:
            raise RuntimeError(f"POST {svc}{path} → {response.status_code}: {response.text}")
        return response.json()

    async def _sell(self, rep: httpx.AsyncClient) -> Any:
        """The owning rep moves the deal to proposal, quotes it and records the customer's
        acceptance; the accepted quote."""
        j = self.journey
        opportunity = f"/opportunities/{j.opportunity_id}"
        for stage in ("discovery", "proposal"):

            async def in_stage(stage: str = stage) -> Any:
                found = await self._get(rep, "deal-svc", opportunity)
                return found if found and found["stage"] == stage else None

            await self._post(rep, "deal-svc", f"{opportunity}/stage", {"stage": stage}, in_stage)
        await self._mark("opportunity in proposal", "qualification → discovery → proposal")

        body = {"opportunity_id": j.opportunity_id, "currency": "EUR", "lines": self._lines}
        key = str(uuid4())  # a refused try releases its key: one key for every try

        async def quote() -> Any:
            response = await self._send(rep, "cpq-svc", "/quotes", body, key)
            if response.status_code == 404:
                return None  # OpportunityOpened not in cpq-svc yet
            if response.status_code >= 400:
                raise RuntimeError(f"quote refused: {response.status_code} {response.text}")
            return response.json()

        created = await eventually(quote, "cpq-svc to know the opportunity", self._timeout)
        if self._negotiate is not None:
            created = await self._negotiate(rep, created)
        j.quote_id = created["quote_id"]
        quote_path = f"/quotes/{j.quote_id}"

        async def accepted() -> Any:
            found = await self._get(rep, "cpq-svc", quote_path)
            return found if found and found["status"] == "accepted" else None

        return await self._post(rep, "cpq-svc", f"{quote_path}/accept", {}, accepted)

    async def run(
        self, email: str | None = None, external_ref: str | None = None, **lead: Any
    ) -> Journey:
        """Drive one lead to cash; `lead` overrides fields of the demo lead (e.g. source),
        `external_ref` is the lead's reference in its source (what `l2c verify` finds journeys
        by)."""
        j = self.journey
        # Each step is taken by the persona who would take it, with a token of the local
        # issuer: a web form's integration, the owning rep, legal, finance, a bank's gateway.
        async with (
            client_as(["integration"], "web-forms", timeout=10.0) as intake,
            client_as(["finance"], "fiona.finance", timeout=10.0) as c,
        ):
            lead = await self._post(
                intake,
                "lead-svc",
                "/leads",
                {
                    **DEMO_LEAD,
                    **lead,
                    "email": email or f"ada+{uuid4().hex[:8]}@engines.example",
                    **({"external_id": external_ref} if external_ref else {}),
                },
            )
            j.lead_id = lead["lead_id"]
            await self._mark(
                "lead captured & qualified", f"score {lead['score']} ({lead['status']})"
            )

            async def opportunity() -> Any:
                found = await self._get(c, "deal-svc", "/opportunities", lead_id=j.lead_id)
                return found[0] if found else None

            opp = await eventually(opportunity, "the opportunity", self._timeout)
            j.opportunity_id, j.account_id = opp["opportunity_id"], opp["account_id"]
            await self._mark("opportunity opened", opp["name"])
            async with _owning_rep(opp) as rep:
                accepted = await self._sell(rep)
            await self._mark(
                "quote accepted", f"net total {accepted['totals']['net_total']['amount']} EUR"
            )

            async def contract() -> Any:
                found = await self._get(c, "contract-svc", "/contracts", quote_id=j.quote_id)
                return found[0] if found else None

            drafted = await eventually(contract, "the contract draft", self._timeout)
            j.contract_id = drafted["contract_id"]
            await self._mark(
                "contract drafted", f"TCV {drafted['total_contract_value']['amount']} EUR"
            )
            async with client_as(["legal"], "lena.legal", timeout=10.0) as legal:

                async def signed() -> Any:
                    found = await self._get(legal, "contract-svc", f"/contracts/{j.contract_id}")
                    return found if found and found["status"] == "signed" else None

                await self._post(
                    legal,
                    "contract-svc",
                    f"/contracts/{j.contract_id}/sign",
                    {"signed_by": "Ada Lovelace <ada@engines.example>"},
                    signed,
                )
            await self._mark("contract signed, order placed")

            async def won() -> Any:
                found = await self._get(c, "deal-svc", f"/opportunities/{j.opportunity_id}")
                return found if found and found["status"] == "won" else None

            await eventually(won, "the deal to close won", self._timeout)
            await self._mark("deal closed won")

            async def invoice() -> Any:
                found = await self._get(c, "billing-svc", "/invoices", lead_id=j.lead_id)
                return found[0] if found else None

            j.invoice = await eventually(invoice, "the first invoice", self._timeout)
            await self._mark(
                "invoice issued", f"{j.invoice['invoice_number']} total {j.invoice['total']} EUR"
            )

            async def receivable() -> Any:
                balance = await self._get(c, "ar-svc", f"/accounts/{j.account_id}/balance")
                invoices = balance["invoices"] if balance else []
                return next((i for i in invoices if i["invoice_id"] == j.invoice["id"]), None)

            # the customer pays what the invoice still owes (its total, less any credit)
            owed = (await eventually(receivable, "the receivable", self._timeout))["balance"]
            paid = await self._post(
                intake,
                "ar-svc",
                "/payments",
                {
                    "external_reference": f"bank-{uuid4().hex[:12]}",
                    "account_id": j.account_id,
                    "amount": {"amount": owed, "currency": "EUR"},
                    "invoice_number": j.invoice["invoice_number"],
                },
            )
            j.payment_id = paid["payment_id"]
            await self._mark("payment received & applied", f"{owed} EUR")

            async def invoice_paid() -> Any:
                found = await self._get(c, "billing-svc", f"/invoices/{j.invoice['id']}")
                return found if found and found["status"] == "paid" else None

            j.invoice = await eventually(invoice_paid, "the invoice to be paid", self._timeout)
            await self._mark("invoice paid — cash collected")
        return j


def _key_in_use(response: httpx.Response) -> bool:
    """409 of the idempotency layer: a try with this key is still being handled."""
    if response.status_code != 409:
        return False
    try:
        return bool(response.json().get("error") == "IdempotencyKeyInUse")
    except ValueError:
        return False


def _owning_rep(opportunity: dict[str, Any]) -> httpx.AsyncClient:
    """A client acting as the opportunity's owner (a rep of its team), else as the manager of
    its team: object-level access lets only them move the deal."""
    team = [opportunity["lead_team"]] if opportunity.get("lead_team") else []
    if opportunity.get("owner"):
        return client_as(["sales_rep"], opportunity["owner"], team, timeout=10.0)
    return client_as(["sales_manager"], "sam.manager", team or ["unassigned"], timeout=10.0)
