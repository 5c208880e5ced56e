"""`make demo`: start the services, push one lead all the way to cash, print the journey and its
trace id, the journey as insights-svc saw it and a few metrics, then keep the platform running
until Ctrl-C. `L2C_PORT_OFFSET` moves the services' ports (8001 + offset …)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console

from l2c_platform.cli.insights import show_journey, show_metrics
from l2c_platform.journey import JourneyDriver, eventually
from l2c_platform.launcher import SERVICES, Platform, PlatformConfig, skip_earlier_records
from l2c_platform.spans import journey_spans, read_spans
from l2c_platform.tokens import operator_client


async def run_demo(keep_running: bool) -> int:
    var = Path(os.environ.get("L2C_VAR_DIR", "var"))
    var.mkdir(parents=True, exist_ok=True)
    span_file = var / "demo-spans.jsonl"
    span_file.unlink(missing_ok=True)
    config = PlatformConfig(
        log_dir=var / "log",
        span_file=span_file,
        port_offset=int(os.environ.get("L2C_PORT_OFFSET", "0")),
    )
    platform = Platform(config)
    print(f"starting {', '.join(spec.name for spec in SERVICES)} …", flush=True)
    began = time.monotonic()
    try:
        # Only this run's journey: what earlier runs, tests or benchmarks left on the broker
        # (a bench leaves 10,000s of leads) is not replayed into the demo's services.
        await skip_earlier_records(config)
        await platform.start()
        print(
            f"all {len(SERVICES)} services ready in {time.monotonic() - began:.1f}s\n", flush=True
        )
        journey = await JourneyDriver(config.base_url).run()
        await asyncio.sleep(1.0)  # let the last spans reach the file
        print(f"Journey of lead {journey.lead_id}")
        for stage in journey.stages:
            print(f"  {stage.seconds:7.2f}s  {stage.name:<32} {stage.detail}")
        spans = journey_spans(read_spans(span_file), journey.lead_id)
        traces = Counter(s["trace_id"] for s in spans)
        services = sorted({s["service"] for s in spans})
        print(
            f"\n  invoice {journey.invoice['invoice_number']}: {journey.invoice['total']} "
            f"{journey.invoice['currency']}, status {journey.invoice['status']}"
        )
        print(f"  spans of this lead: {len(spans)} from {len(services)} services")
        print(f"  services: {', '.join(services)}")
        trace_id = traces.most_common(1)[0][0] if traces else "unknown"
        print(f"  trace id: {trace_id}")
        await show_insights(config, journey.lead_id)
        if not keep_running:
            return 0
        print("\nThe platform keeps running (Ctrl-C stops it). OpenAPI of each service:")
        for spec in SERVICES:
            print(f"  {spec.name:<13} {config.base_url(spec.name)}/docs")
        print(
            "Every API wants a bearer token (docs/security.md):\n"
            "  TOKEN=$(uv run l2c token --role sales_rep --sub alice)\n"
            f'  curl -H "Authorization: Bearer $TOKEN" {config.base_url("lead-svc")}/leads'
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        return 0
    finally:
        platform.stop()


DEMO_METRICS = ("lead_to_cash", "sales_cycle", "signature_to_invoice", "opportunity_win_rate")


async def show_insights(config: PlatformConfig, lead_id: str) -> None:
    """The demo lead's journey as insights-svc assembled it from every context's events, and
    a few metrics over everything it has seen."""
    insights = config.base_url("insights-svc")
    async with operator_client(timeout=10.0) as client:

        async def paid() -> dict[str, Any] | None:
            response = await client.get(f"{insights}/journeys/{lead_id}")
            body = response.json() if response.status_code == 200 else None
            return body if body and body["status"] == "paid" else None

        body = await eventually(paid, "insights-svc to see the journey paid", 60)
        answers = {}
        for name in DEMO_METRICS:
            response = await client.get(f"{insights}/metrics/{name}")
            answers[name] = response.json()
        ours = {"lead_id": lead_id}
        breached = await client.get(f"{insights}/handoffs", params={**ours, "state": "breached"})
        leaking = await client.get(f"{insights}/leakage", params=ours)
    console = Console()
    console.print("\n[bold]The journey as insights-svc saw it[/bold] (uv run l2c journey <lead>)")
    show_journey(body, console)
    show_metrics(answers, console)
    late = sorted({h["sla_key"] for h in breached.json()["items"]})
    leaks = sorted({f["detector"] for f in leaking.json()["items"]})
    console.print(
        f"\nHand-offs breached: {', '.join(late) or 'none'} (uv run l2c handoffs) · "
        f"leakage: {', '.join(leaks) or 'none'} (uv run l2c leakage)"
    )
    console.print(
        f"\n[bold]Dashboard[/bold]: {insights}/dashboard/journeys/{lead_id} "
        "(sign in with a token of `uv run l2c token --role finance`)"
    )


def main() -> None:
    keep = os.environ.get("L2C_DEMO_EXIT") != "1"
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(run_demo(keep)))


if __name__ == "__main__":
    main()
