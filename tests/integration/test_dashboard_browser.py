"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright): a user
signs in with a token, each page renders, shows the numbers of the API for the same period
(and the hand-computed ones below), draws its charts, and the browser logs no console error.

The journeys are facts written straight into the running insights-svc's database, in 2019,
a period no other test's events reach (the platform's clock is years later):

- A (source `dash-web`, EUR): captured 2019-01-02 00:00, contacted 06:00 (6 h), qualified
  01-03, opportunity 01-04, quote sent 01-06 (2 days), accepted 01-07 at net 1000.00,
  contract drafted 01-08, approved 01-10 (2 days), signed 01-11, won 01-11 (sales cycle
  7 days), invoice 1 issued 01-12 (subtotal 1000.00, total 1190.00), paid 02-01 (balance
  0.00); invoice 2 issued 03-01 (total 595.00), unpaid, disputed (95.00) 03-05; its quote
  (version 1) asked for a discount approval 01-05, approved 01-06 before its acceptance.
- B: captured 01-05, contacted 01-06 (1 day), disqualified 01-07.
- C (source `dash-ads`): captured 02-10, contacted 02-10 12:00 (12 h), qualified 02-11,
  opportunity 02-12, quote sent 02-15 (3 days), deal lost 02-20.

Over [2019-01-01, 2019-04-01): funnel 3 captured, 3 contacted, 2 qualified (drop-off
0.3333), 2 opportunities, 2 quoted, 1 accepted (0.5000), 1 signed, won, invoiced, paid;
lead→first contact 21600, 43200, 86400 s: p50 43200, p90 86400, mean 50400; lead→opportunity
2/3 = 0.6667; win rate 1/2; quote→close 1/2; quote accuracy 1/1; invoice accuracy 1/2 (the
second disputed within 30 days); discount compliance 1/1; DSO in EUR: receivables 595.00,
sales 1190.00 + 595.00 = 1785.00, 90 days: 595 / 1785 × 90 = 30.0.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from insights_svc.adapters import facts
from insights_svc.domain.facts import Fact
from l2c_platform.launcher import BY_NAME, Platform
from l2c_platform.local_issuer import mint_token
from l2c_runtime.db import create_engine, session_factory

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

START, END = datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 4, 1, tzinfo=UTC)
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
JAEGER = "http://jaeger.test:16686"
"""The platform fixture's `L2C_JAEGER_URL`."""
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _fact(lead: UUID, stage: str, when: str, **extra: Any) -> Fact:
    return Fact(
        event_id=str(uuid4()),
        stage=stage,
        lead_id=lead,
        account_id=extra.pop("account_id", None),
        occurred_at=_at(when),
        trace_id=TRACE,
        **extra,
    )


def population() -> tuple[dict[str, UUID], list[Fact]]:
    a, b, c, account = uuid4(), uuid4(), uuid4(), uuid4()
    invoice_1, invoice_2 = str(uuid4()), str(uuid4())
    eur = {"currency": "EUR"}
    quote, version = {"quote_id": str(uuid4())}, {"version": "1"}
    seeded = [
        _fact(a, "LeadCaptured", "2019-01-02T00:00", detail={"source": "dash-web"}),
        _fact(a, "LeadContacted", "2019-01-02T06:00", actor="rep-a"),
        _fact(a, "LeadQualified", "2019-01-03T00:00"),
        _fact(a, "OpportunityOpened", "2019-01-04T00:00", account_id=account, owner="rep-a"),
        _fact(a, "QuoteSent", "2019-01-06T00:00", account_id=account),
        _fact(a, "QuoteApprovalRequested", "2019-01-05T00:00", ids=quote, detail=version),
        _fact(a, "QuoteApproved", "2019-01-06T00:00", ids=quote, detail=version),
        _fact(
            a,
            "QuoteAccepted",
            "2019-01-07T00:00",
            account_id=account,
            ids=quote,
            amounts={"totals.net_total": "1000.00"},
            detail={**eur, **version},
        ),
        _fact(a, "ContractDrafted", "2019-01-08T00:00", account_id=account),
        _fact(a, "ContractApproved", "2019-01-10T00:00", account_id=account, actor="legal-l"),
        _fact(a, "ContractSigned", "2019-01-11T00:00", account_id=account),
        _fact(a, "DealClosed", "2019-01-11T00:00", account_id=account, detail={"outcome": "won"}),
        _fact(
            a,
            "InvoiceIssued",
            "2019-01-12T00:00",
            account_id=account,
            ids={"invoice_id": invoice_1},
            amounts={"subtotal": "1000.00", "total": "1190.00"},
            detail=eur,
        ),
        _fact(
            a,
            "PaymentApplied",
            "2019-02-01T00:00",
            account_id=account,
            ids={"invoice_id": invoice_1},
            amounts={"invoice_balance": "0.00"},
            detail=eur,
        ),
        _fact(
            a, "InvoicePaid", "2019-02-01T00:00", account_id=account, ids={"invoice_id": invoice_1}
        ),
        _fact(
            a,
            "InvoiceIssued",
            "2019-03-01T00:00",
            account_id=account,
            ids={"invoice_id": invoice_2},
            amounts={"subtotal": "500.00", "total": "595.00"},
            detail=eur,
        ),
        _fact(
            a,
            "InvoiceDisputed",
            "2019-03-05T00:00",
            account_id=account,
            ids={"invoice_id": invoice_2, "dispute_id": str(uuid4())},
            amounts={"amount": "95.00"},
            detail={**eur, "reason": "a seat billed twice"},
        ),
        _fact(b, "LeadCaptured", "2019-01-05T00:00", detail={"source": "dash-web"}),
        _fact(b, "LeadContacted", "2019-01-06T00:00"),
        _fact(b, "LeadDisqualified", "2019-01-07T00:00"),
        _fact(c, "LeadCaptured", "2019-02-10T00:00", detail={"source": "dash-ads"}),
        _fact(c, "LeadContacted", "2019-02-10T12:00"),
        _fact(c, "LeadQualified", "2019-02-11T00:00"),
        _fact(c, "OpportunityOpened", "2019-02-12T00:00", account_id=uuid4(), owner="rep-c"),
        _fact(c, "QuoteSent", "2019-02-15T00:00"),
        _fact(c, "DealClosed", "2019-02-20T00:00", detail={"outcome": "lost"}),
    ]
    return {"a": a, "b": b, "c": c, "account": account}, seeded


@pytest.fixture(scope="module")
async def seeded(platform: Platform) -> dict[str, UUID]:
    ids, seeded_facts = population()
    engine = create_engine(platform.config.database_url(BY_NAME["insights-svc"]), 1)
    try:
        async with session_factory(engine)() as session, session.begin():
            await facts.store(session, seeded_facts)
    finally:
        await engine.dispose()
    return ids


def chromium_path() -> str:
    found = os.environ.get("L2C_CHROMIUM") or shutil.which("chromium")
    if found is None:
        pytest.fail("no chromium: apt-get install chromium (CI's .ci/run does)")
    return found


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


class Watched:
    """A page whose console errors and uncaught exceptions are kept."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


def _token(roles: list[str]) -> str:
    return mint_token(roles, "dash-user")


async def _api(platform: Platform, path: str, **params: str) -> Any:
    base = platform.config.base_url("insights-svc")
    headers = {"Authorization": f"Bearer {_token(['finance'])}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20) as client:
        response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _text(page: Page, selector: str) -> str:
    return (await page.locator(selector).inner_text()).strip()


async def _signed_in(browser: Browser, platform: Platform) -> Watched:
    """A fresh browser context, signed in through the form (after a 401 on the page)."""
    context = await browser.new_context()
    watched = Watched(await context.new_page())
    page = watched.page
    base = platform.config.base_url("insights-svc")
    first = await page.goto(f"{base}/dashboard?{urlencode(PERIOD)}")
    assert first is not None and first.status == 401
    assert await page.locator("form.login").count() == 1
    await page.fill("textarea[name=token]", _token(["finance"]))
    async with page.expect_navigation():
        await page.click("form.login button[type=submit]")
    assert page.url == f"{base}/dashboard?{urlencode(PERIOD)}", await page.content()
    # The browser's own report of the 401 document; nothing else may be logged.
    assert all("401" in e for e in watched.errors), watched.errors
    watched.errors.clear()
    cookies = await context.cookies()
    (cookie,) = [c for c in cookies if c["name"] == "l2c_insights_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/dashboard"
    return watched


async def _rendered(watched: Watched, url: str, charts: int) -> Page:
    page = watched.page
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    await page.locator(f"body[data-charts='{charts}']").wait_for(state="attached", timeout=10_000)
    for canvas in await page.locator("canvas").all():
        box = await canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    return page


async def test_each_page_shows_the_api_numbers_in_a_real_browser(
    platform: Platform, seeded: dict[str, UUID], browser: Browser
) -> None:
    base = platform.config.base_url("insights-svc")
    query = urlencode(PERIOD)
    watched = await _signed_in(browser, platform)

    # Overview: funnel, conversion, quality and velocity
    page = await _rendered(watched, f"{base}/dashboard?{query}", charts=1)
    funnel = (await _api(platform, "/metrics/funnel", **PERIOD))["stages"]
    assert [(r["stage"], r["count"]) for r in funnel][:6] == [
        ("captured", 3), ("contacted", 3), ("qualified", 2), ("opportunity", 2),
        ("quote_sent", 2), ("quote_accepted", 1),
    ]  # fmt: skip
    for row in funnel:
        cell = f"#funnel [data-stage={row['stage']}]"
        assert await _text(page, f"{cell}[data-field=count]") == str(row["count"])
        assert await _text(page, f"{cell}[data-field=drop_off]") == (row["drop_off"] or "–")
    expected_rates = {
        "lead_to_opportunity_rate": (2, 3, "0.6667"),
        "opportunity_win_rate": (1, 2, "0.5000"),
        "quote_to_close_rate": (1, 2, "0.5000"),
        "quote_accuracy": (1, 1, "1.0000"),
    }
    for name, (numerator, denominator, rate) in expected_rates.items():
        api = (await _api(platform, f"/metrics/{name}", **PERIOD))["groups"]["all"]
        assert (api["numerator"], api["denominator"], api["rate"]) == (numerator, denominator, rate)
        for field in ("numerator", "denominator", "rate"):
            shown = await _text(page, f"[data-metric={name}][data-field={field}]")
            assert shown == str(api[field]), (name, field)
    contact = (await _api(platform, "/metrics/lead_to_first_contact", **PERIOD))["groups"]["all"]
    assert contact == {
        "count": 3, "p50_seconds": 43200.0, "p90_seconds": 86400.0, "mean_seconds": 50400.0
    }  # fmt: skip
    for name in ("lead_to_first_contact", "sales_cycle", "contract_approval_time"):
        api = (await _api(platform, f"/metrics/{name}", **PERIOD))["groups"]["all"]
        assert await _text(page, f"[data-metric={name}][data-field=count]") == str(api["count"])
        for field in ("p50_seconds", "p90_seconds", "mean_seconds"):
            cell = page.locator(f"[data-metric={name}][data-field={field}]")
            assert float(await cell.get_attribute("data-seconds") or "nan") == api[field]
            assert (await cell.inner_text()).strip() == f"{api[field] / 86400:.2f}"
    assert await _text(page, "[data-metric=sales_cycle][data-field=p50_seconds]") == "7.00"

    # Velocity: one row a month, each the API's answer for that month
    page = await _rendered(watched, f"{base}/dashboard/velocity?{query}", charts=1)
    rows = page.locator("[data-trend=lead_to_first_contact] tbody tr")
    assert await rows.count() == 3
    months = [("2019-01-01", "2019-02-01", 2), ("2019-02-01", "2019-03-01", 1)]
    months.append(("2019-03-01", "2019-04-01", 0))
    for index, (low, high, count) in enumerate(months):
        bounds = {"from": f"{low}T00:00:00+00:00", "to": f"{high}T00:00:00+00:00"}
        groups = (await _api(platform, "/metrics/lead_to_first_contact", **bounds))["groups"]
        row = rows.nth(index)
        assert await row.get_attribute("data-from") == bounds["from"]
        shown = (await row.locator("[data-field=count]").inner_text()).strip()
        assert shown == str(groups.get("all", {"count": 0})["count"]) == str(count)
    january = rows.nth(0).locator("[data-field=p50_seconds]")
    assert await january.get_attribute("data-seconds") == "21600.0"

    # Conversion, grouped by source
    page = await _rendered(watched, f"{base}/dashboard/conversion?{query}&by=source", charts=2)
    by_source = await _api(platform, "/metrics/lead_to_opportunity_rate", **PERIOD, by="source")
    assert by_source["groups"]["dash-web"]["rate"] == "0.5000"
    for key, stats in by_source["groups"].items():
        cell = f"tr[data-group='{key}'] [data-metric=lead_to_opportunity_rate][data-field=rate]"
        assert await _text(page, cell) == stats["rate"]

    # Quality: accuracy per currency and DSO
    page = await _rendered(watched, f"{base}/dashboard/quality?{query}", charts=1)
    dso = (await _api(platform, "/metrics/dso", **PERIOD))["groups"]
    assert dso["EUR"] == {"receivables": "595.00", "sales": "1785.00", "days": "90", "dso": "30.0"}
    for field, value in dso["EUR"].items():
        assert await _text(page, f"#dso [data-currency=EUR] [data-field={field}]") == value
    accuracy = "tr[data-group=EUR] [data-metric=quote_accuracy][data-field=rate]"
    assert await _text(page, accuracy) == "1.0000"
    for name, rate in (("invoice_accuracy", "0.5000"), ("discount_compliance", "1.0000")):
        api = await _api(platform, f"/metrics/{name}", **PERIOD, by="currency")
        assert api["groups"]["EUR"]["rate"] == rate
        for field in ("numerator", "denominator", "rate"):
            cell = f"tr[data-group=EUR] [data-metric={name}][data-field={field}]"
            assert await _text(page, cell) == str(api["groups"]["EUR"][field])

    # Journey explorer: the period's journeys, an account's, and one lead's timeline
    await _rendered(watched, f"{base}/dashboard/journeys?{query}", charts=0)
    listed = await _api(platform, "/journeys", **PERIOD)
    shown_leads = await page.locator("#journeys tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.lead)"
    )
    assert shown_leads == [j["lead_id"] for j in listed["items"]]
    assert set(shown_leads) == {str(seeded[k]) for k in ("a", "b", "c")}
    await page.fill("input[name=q]", str(seeded["account"]))
    async with page.expect_navigation():
        await page.click("form.search button[type=submit]")
    assert await page.locator("#journeys tbody tr").count() == 1
    async with page.expect_navigation():
        await page.click(f"#journeys a[href='/dashboard/journeys/{seeded['a']}']")
    journey = await _api(platform, f"/journeys/{seeded['a']}")
    stages = await page.locator("#timeline li").evaluate_all(
        "items => items.map(i => i.dataset.stage)"
    )
    assert stages == [s["stage"] for s in journey["stages"]]
    assert await _text(page, ".summary [data-field=status]") == journey["status"] == "paid"
    link = page.locator("#timeline li[data-stage=ContractSigned] a.trace")
    assert await link.get_attribute("href") == f"{JAEGER}/trace/{TRACE}"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await _text(page, "#timeline li[data-stage=QuoteAccepted] .amount") == (
        "totals.net_total 1000.00"
    )
    disputed = page.locator("#timeline li[data-stage=InvoiceDisputed]")
    assert "reason: a seat billed twice" in await disputed.inner_text()

    # Searching a lead's id opens its timeline
    await page.goto(f"{base}/dashboard/journeys?q={seeded['b']}")
    assert page.url == f"{base}/dashboard/journeys/{seeded['b']}"
    assert await _text(page, ".summary [data-field=status]") == "disqualified"

    assert watched.errors == []
    await watched.page.context.close()


async def test_signing_in_is_refused_without_the_scope_or_from_another_site(
    platform: Platform, browser: Browser
) -> None:
    base = platform.config.base_url("insights-svc")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{base}/dashboard/login")
    await page.fill("textarea[name=token]", _token(["sales_rep"]))
    async with page.expect_navigation():
        await page.click("form.login button[type=submit]")
    assert "insights:read" in await _text(page, ".error")
    await page.fill("textarea[name=token]", "not-a-token")
    async with page.expect_navigation():
        await page.click("form.login button[type=submit]")
    assert await page.locator(".error").count() == 1
    assert await context.cookies() == []
    await context.close()

    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        form = {"token": _token(["finance"]), "next": "https://evil.example/"}
        cross = await client.post(
            "/dashboard/login", data=form, headers={"Origin": "https://evil.example"}
        )
        assert cross.status_code == 403 and "set-cookie" not in cross.headers
        scripted = await client.post("/dashboard/login", data=form)  # no browser headers
        assert scripted.status_code == 403
        own = await client.post("/dashboard/login", data=form, headers={"Origin": base})
        assert own.status_code == 303
        assert own.headers["location"] == "/dashboard"  # never another site
        cookie = own.headers["set-cookie"].lower()
        for attribute in ("httponly", "secure", "samesite=strict", "path=/dashboard"):
            assert attribute in cookie
        # A script uses the bearer header; no token is a 401 with the bearer challenge
        anonymous = await client.get("/dashboard")
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_request"
        page_html = await client.get("/dashboard", headers={"Accept": "text/html"})
        assert page_html.status_code == 401 and "form" in page_html.text
        assert page_html.headers["content-security-policy"].startswith("default-src 'none'")
        ok = await client.get(
            "/dashboard", params=PERIOD, headers={"Authorization": f"Bearer {_token(['auditor'])}"}
        )
        assert ok.status_code == 200 and "Funnel" in ok.text
        refused = await client.get(
            "/dashboard", headers={"Authorization": f"Bearer {_token(['sales_rep'])}"}
        )
        assert refused.status_code == 403 and refused.json()["scope"] == "insights:read"
        wide = await client.get(
            "/dashboard/velocity",
            params={"from": "2010-01-01T00:00:00Z", "to": "2019-01-01T00:00:00Z"},
            headers={"Authorization": f"Bearer {_token(['finance'])}"},
        )
        assert wide.status_code == 422 and "36 months" in wide.json()["detail"]
