"""`l2c-relay <package>` publishes one service's outbox as a process of its own.

A service replica runs its relay inline by default. Under a heavy intake its consumers keep the
event loop busy and the inline relay falls behind (lead intake: the leads were all captured in 7 s,
their events published after 16 s). Started with `L2C_RELAY_INLINE=false`, the replicas only write
the outbox and this process publishes it: it takes the same lease (one publisher at a time, in
commit order per key), so several of them may run for availability; when the holder stops or is cut
off, another takes over within L2C_RELAY_LEASE_SECONDS. It reads the service's settings
(DATABASE_URL, KAFKA_BOOTSTRAP, L2C_RELAY_*). It serves its Prometheus metrics on
`http://HTTP_HOST:L2C_METRICS_PORT/metrics` (relay publish latency and failures, outbox backlog and
age). SIGTERM or SIGINT: it stops taking batches, finishes the one in hand or gives it up after
L2C_RELAY_PUBLISH_TIMEOUT_SECONDS (its rows stay pending), gives its lease up and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal

from prometheus_client import start_http_server

from l2c_runtime.clock import Clock, SimulatedClock, SystemClock
from l2c_runtime.clock_follower import catch_up, follow_clock
from l2c_runtime.db import create_engine
from l2c_runtime.metrics import ServiceMetrics
from l2c_runtime.metrics.sampler import sample_forever
from l2c_runtime.relay import relay_with_publisher
from l2c_runtime.serve import settle_collector
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.telemetry import setup_logging, setup_tracing
from l2c_runtime.topics import ensure_topics

log = logging.getLogger(__name__)

DRAIN_SLACK = 5.0
"""Beyond the publish timeout: settling the batch and giving the lease up."""


async def run_relay(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    name = f"{definition.name}-relay"
    setup_logging(name, settings.log_level)
    provider = setup_tracing(name, settings.span_file)
    await ensure_topics(settings.kafka_bootstrap, definition.produces, settings.topic_partitions)
    clock: Clock = SimulatedClock() if settings.clock == "simulated" else SystemClock()
    if isinstance(clock, SimulatedClock):  # the platform's time before anything is stamped
        await catch_up(settings.kafka_bootstrap, clock)
    engine = create_engine(settings.database_url, 2)
    metrics = ServiceMetrics()
    relay, publisher = relay_with_publisher(engine, settings, clock, name, metrics)
    await publisher.start()
    listener = None
    if settings.metrics_port:
        # a thread of prometheus-client's: scrapes are answered even while the loop is busy
        listener, _ = start_http_server(
            settings.metrics_port, settings.http_host, registry=metrics.registry
        )
    sampler = asyncio.create_task(
        sample_forever(metrics, engine, clock, settings.metrics_sample_seconds)
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, relay.stop)
    follower = None
    if isinstance(clock, SimulatedClock):
        follower = asyncio.create_task(follow_clock(settings.kafka_bootstrap, clock))
    log.info("%s started", name)
    relaying = asyncio.create_task(relay.run())
    try:
        await asyncio.wait(
            {relaying, asyncio.create_task(relay.wait_stopping())}, return_when="FIRST_COMPLETED"
        )
        try:
            # the batch in hand: its publication is bounded by the publish timeout
            await asyncio.wait_for(relaying, settings.relay_publish_timeout_seconds + DRAIN_SLACK)
        except TimeoutError:
            log.warning("%s gave up its batch in hand to stop in time", name)
    finally:
        if follower is not None:
            follower.cancel()
        sampler.cancel()
        if listener is not None:
            listener.shutdown()
        await publisher.stop()
        await engine.dispose()
        provider.shutdown()
        log.info("%s stopped", name)


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish an L2C service's outbox.")
    parser.add_argument("package", help="the service's Python package, e.g. lead_svc")
    args = parser.parse_args()
    definition: ServiceDefinition = importlib.import_module(f"{args.package}.app").definition
    settle_collector()
    asyncio.run(run_relay(definition, ServiceSettings()))


if __name__ == "__main__":
    main()
