"""Whole journeys, lead to cash, through the running platform at a fixed arrival rate.

    uv run python bench/bench_journeys.py [--rate 8] [--seconds 30] [--steps 4] [--smoke]

Starts the seven services as OS processes (as `make demo` does) on databases and consumer
groups of their own, then runs an open-loop load: a new journey starts every 1/rate seconds
whether or not the earlier ones have finished. Each journey takes the human steps over HTTP,
as the people in the process would (a web form submits the lead; the owning rep moves the
deal and quotes it; the customer accepts; legal signs; the bank pays), and learns of the
automated steps by consuming the events topics (one consumer of every context's topic, no
polling of the APIs): it takes its next human step when the event it waits for arrives.

Automated hops are measured between the events' own times (`ce_time`, stamped when the
service's transaction wrote the event), so the figures leave out the load generator:

- `lead_to_opportunity`: LeadCaptured → OpportunityOpened (lead-svc, deal-svc)
- `quote_to_contract`: QuoteAccepted → ContractDrafted (contract-svc)
- `signature_to_invoice`: ContractSigned → InvoiceIssued (billing-svc)
- `signature_to_won`: ContractSigned → DealClosed (deal-svc; beside the path to cash)
- `payment_to_paid`: PaymentReceived → InvoicePaid (ar-svc)

A journey's automated time is the sum of the hops on its path to cash (all but
signature_to_won). The rate is stepped up in `--steps` equal steps to `--rate`, `--seconds`
each; the journeys of a step must all finish (else they count as lost). Prints, for the top
rate: `BENCH journey.e2e_p50`, `journey.e2e_p99` (ms, automated hops only),
`journey.hop.<name>.p99` (ms), `journey.completed_per_second`, `journey.lost` (over every
step; must be 0), and `journey.sustainable_rate`: the highest step rate whose automated p99
stayed under 500 ms with nothing lost (0 if none did).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from uuid import uuid4

import httpx
from servicebench import BenchArguments, kafka_consumer, provision_topics
from servicebench import partitions as partitions_of

from l2c_platform.journey import DEMO_LEAD, DEMO_LINES
from l2c_platform.launcher import (
    Platform,
    PlatformConfig,
    recreate_databases,
    skip_earlier_records,
)
from l2c_platform.tokens import client_as
from l2c_schemas.topics import ALL_TOPICS, CONTEXT_TOPICS

HOPS = {
    "lead_to_opportunity": ("l2c.lead.LeadCaptured.v1", "l2c.deal.OpportunityOpened.v1"),
    "quote_to_contract": ("l2c.cpq.QuoteAccepted.v1", "l2c.contract.ContractDrafted.v1"),
    "signature_to_invoice": ("l2c.contract.ContractSigned.v1", "l2c.billing.InvoiceIssued.v1"),
    "signature_to_won": ("l2c.contract.ContractSigned.v1", "l2c.deal.DealClosed.v1"),
    "payment_to_paid": ("l2c.ar.PaymentReceived.v1", "l2c.ar.InvoicePaid.v1"),
}
PATH_TO_CASH = (
    "lead_to_opportunity",
    "quote_to_contract",
    "signature_to_invoice",
    "payment_to_paid",
)
SUSTAINABLE_P99_MS = 500.0
RETRIES: Counter[str] = Counter()
"""Requests sent again: after a 404 (the service had not consumed the event yet), by path,
and after a transport error."""
WAIT_SECONDS = 60.0
"""How long a journey waits for one event before it is lost."""


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--rate", 8, 1, "journeys started per second at the top step")
    command.size("--seconds", 30, 3, "seconds of arrivals per step")
    command.size("--steps", 4, 1, "rate steps up to --rate")
    return command


class Events:
    """Every journey event seen on the events topics, by lead: its time and body per type;
    waiters are woken when the event they wait for arrives."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, tuple[datetime, dict[str, Any]]]] = {}
        self.waiting: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}

    def record(self, ce_type: str, moment: datetime, body: dict[str, Any]) -> None:
        lead = body.get("lead_id")
        if lead is None:
            return
        self.seen.setdefault(lead, {}).setdefault(ce_type, (moment, body))
        waiter = self.waiting.pop((lead, ce_type), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(body)

    async def wait(self, lead: str, ce_type: str) -> dict[str, Any]:
        known = self.seen.get(lead, {}).get(ce_type)
        if known is not None:
            return known[1]
        future = self.waiting.setdefault(
            (lead, ce_type), asyncio.get_running_loop().create_future()
        )
        return await asyncio.wait_for(asyncio.shield(future), WAIT_SECONDS)

    def hops_ms(self, lead: str) -> dict[str, float]:
        times = self.seen.get(lead, {})
        return {
            name: (times[end][0] - times[start][0]).total_seconds() * 1000
            for name, (start, end) in HOPS.items()
            if start in times and end in times
        }


async def listen(events: Events, ready: asyncio.Event) -> None:
    """Consume every context's events topic from its end (as of now), for good."""
    consumer = kafka_consumer()
    await consumer.start()
    try:
        partitions = [tp for topic in CONTEXT_TOPICS for tp in await partitions_of(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        ready.set()
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batch.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers or ()}
                    ce_type, ce_time = headers.get("ce_type"), headers.get("ce_time")
                    if ce_type in TYPES and ce_time is not None:
                        moment = datetime.fromisoformat(ce_time.replace("Z", "+00:00"))
                        events.record(ce_type, moment, json.loads(record.value))
    finally:
        await consumer.stop()


TYPES = {t for pair in HOPS.values() for t in pair} | {
    "l2c.lead.LeadQualified.v1",
}


class People:
    """The personas' HTTP clients, one per persona (a rep per owner and team)."""

    def __init__(self, stack: contextlib.AsyncExitStack) -> None:
        self._stack = stack
        self._reps: dict[tuple[str, str], httpx.AsyncClient] = {}
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        self.options: dict[str, Any] = {"timeout": 30.0, "limits": limits}

    async def enter(self, client: httpx.AsyncClient) -> httpx.AsyncClient:
        return await self._stack.enter_async_context(client)

    async def rep(self, opportunity: dict[str, Any]) -> httpx.AsyncClient:
        owner, team = opportunity.get("owner"), opportunity.get("team")
        key = (owner or "", team or "")
        if key not in self._reps:
            teams = [team] if team else []
            if owner:
                client = client_as(["sales_rep"], owner, teams, **self.options)
            else:
                client = client_as(
                    ["sales_manager"], "sam.manager", teams or ["unassigned"], **self.options
                )
            self._reps[key] = await self.enter(client)
        return self._reps[key]


async def post(
    client: httpx.AsyncClient, url: str, body: Any, *, again_on_404: bool = False
) -> Any:
    """POST as a person would: with an Idempotency-Key, so that a request whose answer was
    lost on the way (a kept-alive connection the server closed, a timeout) is simply sent
    again, and waited for while its first copy is still being handled (409). With
    `again_on_404`, also again every 50 ms while the service answers 404: it has not yet
    consumed the event that the person acting here has seen (a human step, so not measured
    as a hop; counted in RETRIES)."""
    headers = {"Idempotency-Key": str(uuid4())}
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            RETRIES["transport error"] += 1
            continue
        in_use = response.status_code == 409 and "IdempotencyKeyInUse" in response.text
        if in_use and time.monotonic() <= deadline:
            # The first copy of a request sent again is still being handled: its answer
            # will be kept under the key.
            RETRIES["key in use"] += 1
            await asyncio.sleep(0.2)
            continue
        if not (again_on_404 and response.status_code == 404) or time.monotonic() > deadline:
            break
        RETRIES[url.rsplit("/", 1)[-1]] += 1
        headers = {"Idempotency-Key": str(uuid4())}  # a new request: the 404 may be kept
        await asyncio.sleep(0.05)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url} → {response.status_code}: {response.text[:300]}")
    return response.json()


async def journey(
    config: PlatformConfig,
    events: Events,
    people: People,
    intake: httpx.AsyncClient,
    legal: httpx.AsyncClient,
) -> str:
    """One lead to cash; its lead id once InvoicePaid is seen (raises when it is lost)."""
    url = config.base_url
    lead = await post(
        intake,
        url("lead-svc") + "/leads",
        {**DEMO_LEAD, "email": f"bench+{uuid4().hex[:12]}@engines.example"},
    )
    lead_id = lead["lead_id"]
    opened = await events.wait(lead_id, "l2c.deal.OpportunityOpened.v1")
    opportunity = opened["opportunity_id"]
    rep = await people.rep(opened)
    for stage in ("discovery", "proposal"):
        await post(rep, url("deal-svc") + f"/opportunities/{opportunity}/stage", {"stage": stage})
    # The rep quotes once the deal is open; cpq-svc learns of the opportunity from the same
    # event, maybe a moment later.
    quote_body = {"opportunity_id": opportunity, "currency": "EUR", "lines": DEMO_LINES}
    quote = (await post(rep, url("cpq-svc") + "/quotes", quote_body, again_on_404=True))["quote_id"]
    await post(rep, url("cpq-svc") + f"/quotes/{quote}/accept", {})
    drafted = await events.wait(lead_id, "l2c.contract.ContractDrafted.v1")
    await post(
        legal,
        url("contract-svc") + f"/contracts/{drafted['contract_id']}/sign",
        {"signed_by": "Ada Lovelace <ada@engines.example>"},
    )
    invoice = await events.wait(lead_id, "l2c.billing.InvoiceIssued.v1")
    # The bank pays the invoice it was sent; ar-svc learns of it from the same event.
    await post(
        intake,
        url("ar-svc") + "/payments",
        {
            "external_reference": f"bank-{uuid4().hex[:12]}",
            "account_id": invoice["account_id"],
            "amount": invoice["total"],
            "invoice_number": invoice["invoice_number"],
        },
        again_on_404=True,
    )
    await events.wait(lead_id, "l2c.ar.InvoicePaid.v1")
    await events.wait(lead_id, "l2c.deal.DealClosed.v1")
    return lead_id


class Step(NamedTuple):
    rate: float
    completed: list[str]
    lost: int
    seconds: float
    """From the first arrival to the last journey's end."""
    failures: list[str]


async def run_step(
    rate: float,
    seconds: float,
    config: PlatformConfig,
    events: Events,
    people: People,
    intake: httpx.AsyncClient,
    legal: httpx.AsyncClient,
) -> Step:
    began = time.monotonic()
    tasks: list[asyncio.Task[str]] = []
    count = max(1, round(rate * seconds))
    for n in range(count):
        # Open loop: arrivals on the clock, never held back by unfinished journeys.
        await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(journey(config, events, people, intake, legal)))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    done = [r for r in results if isinstance(r, str)]
    failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    return Step(rate, done, len(failures), time.monotonic() - began, failures)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def figures(step: Step, events: Events) -> tuple[list[float], dict[str, list[float]]]:
    e2e: list[float] = []
    hops: dict[str, list[float]] = {name: [] for name in HOPS}
    for lead in step.completed:
        measured = events.hops_ms(lead)
        for name, value in measured.items():
            hops[name].append(value)
        if all(name in measured for name in PATH_TO_CASH):
            e2e.append(sum(measured[name] for name in PATH_TO_CASH))
    return e2e, hops


async def main() -> None:
    args = arguments().parse()
    workdir = Path(tempfile.mkdtemp(prefix="l2c-bench-journeys-"))
    config = PlatformConfig(
        database_prefix="l2c_benchj_",
        port_offset=int(os.environ.get("L2C_E2E_PORT_OFFSET", "100")) + 50,
        group_suffix="-benchj",
        log_dir=workdir / "logs",
    )
    await provision_topics(ALL_TOPICS)
    await recreate_databases(config)
    await skip_earlier_records(config)
    platform = Platform(config)
    events = Events()
    ready = asyncio.Event()
    print(f"starting the services (logs: {config.log_dir}) …", flush=True)
    began = time.monotonic()
    listener: asyncio.Task[None] | None = None
    try:
        for service in platform.services.values():
            service.start()
        # Seven processes importing at once take minutes of a busy 2-core machine.
        await asyncio.gather(*(s.wait_ready(timeout=300) for s in platform.services.values()))
        print(f"services ready in {time.monotonic() - began:.0f}s", flush=True)
        listener = asyncio.create_task(listen(events, ready))
        await asyncio.wait_for(ready.wait(), 60)
        async with contextlib.AsyncExitStack() as stack:
            people = People(stack)
            intake = await people.enter(client_as(["integration"], "web-forms", **people.options))
            legal = await people.enter(client_as(["legal"], "lena.legal", **people.options))
            # One journey first: every service's first request and event are slower (imports,
            # connections, caches); not measured.
            await journey(config, events, people, intake, legal)
            steps = []
            for k in range(1, args.steps + 1):
                rate = args.rate * k / args.steps
                step = await run_step(rate, args.seconds, config, events, people, intake, legal)
                steps.append(step)
                e2e, _ = figures(step, events)
                print(
                    f"  rate {rate:5.2f}/s: {len(step.completed)} journeys in {step.seconds:.1f}s, "
                    f"lost {step.lost}, automated p50 {percentile(e2e, 0.5):.0f} ms, "
                    f"p99 {percentile(e2e, 0.99):.0f} ms",
                    flush=True,
                )
                for failure in sorted(set(step.failures))[:3]:
                    print(f"    lost: {failure}", flush=True)
    finally:
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        platform.stop()
    top = steps[-1]
    e2e, hops = figures(top, events)
    print(f"BENCH journey.e2e_p50 {percentile(e2e, 0.5):.0f} ms")
    print(f"BENCH journey.e2e_p99 {percentile(e2e, 0.99):.0f} ms")
    for name, values in hops.items():
        print(f"BENCH journey.hop.{name}.p99 {percentile(values, 0.99):.0f} ms")
    print(f"BENCH journey.completed_per_second {len(top.completed) / top.seconds:.2f} journeys/s")
    print(f"BENCH journey.lost {sum(s.lost for s in steps)} journeys")
    sustainable = [
        s.rate
        for s in steps
        if s.lost == 0 and percentile(figures(s, events)[0], 0.99) <= SUSTAINABLE_P99_MS
    ]
    print(f"BENCH journey.sustainable_rate {max(sustainable, default=0):.2f} journeys/s")
    print(f"  (mean automated time at the top rate {statistics.fmean(e2e or [0]):.0f} ms)")
    print(f"  requests sent again, over every step: {dict(RETRIES) or 'none'}")


if __name__ == "__main__":
    asyncio.run(main())
