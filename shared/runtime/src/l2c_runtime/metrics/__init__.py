"""Prometheus metrics of one process (a service replica or an `l2c-relay`).

Every metric L2C exposes is declared here, in one registry per process (no module-level
state: tests build as many as they like). Names follow the Prometheus conventions: the
`l2c_` prefix, base units (`_seconds`, `_bytes`), `_total` on counters. Labels are bounded:
event types are the registry's (`other` for anything else), HTTP routes are templates
(`/leads/{lead_id}`), never raw paths. Prometheus adds `job` and `instance` at scrape time;
that is how one service's series are told from another's (so no metric has a label of
its own named `job`: scheduled jobs are `scheduled_job`).

What a scrape reads is in memory; the gauges that need a database query (outbox backlog,
table sizes) are refreshed by `l2c_runtime.metrics.sampler` on an interval, not per scrape.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from l2c_runtime.metrics.business import BusinessCounters
from l2c_schemas import MESSAGE_TYPES

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds: from a fast handler (a few ms) to a publish that waits out a broker failover."""
JOB_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)
OTHER = "other"


def event_type_label(ce_type: str | None) -> str:
    """A `ce_type` as a label value: a registered type, or `other` (an unknown type comes
    from outside and must not grow the number of series)."""
    return ce_type if ce_type in MESSAGE_TYPES else OTHER


class ServiceMetrics:
    """The metrics of one process, registered in `registry` (what `/metrics` serves)."""

    def __init__(self, *, process_collectors: bool = True) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        if process_collectors:  # CPU, memory, open files, Python version
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)

        # Consumers
        self.consumer_lag = Gauge(
            "l2c_consumer_lag_records",
            "Records on a partition not yet consumed by this process's consumer group "
            "(high watermark minus position), sampled",
            ["group", "topic", "partition"],
            registry=r,
        )
        self.events_handled = Counter(
            "l2c_events_handled_total",
            "Events handled and committed (duplicates and passed-over events excluded)",
            ["event_type"],
            registry=r,
        )
        self.events_duplicate = Counter(
            "l2c_events_duplicate_total",
            "Redelivered events skipped by the inbox",
            ["event_type"],
            registry=r,
        )
        self.events_passed_over = Counter(
            "l2c_events_passed_over_total",
            "Events on a consumed topic that this service has no handler for",
            ["event_type"],
            registry=r,
        )
        self.handling_failures = Counter(
            "l2c_event_handling_failures_total",
            "Failed attempts to handle an event (each is retried or dead-lettered)",
            ["event_type", "error_type"],
            registry=r,
        )
        self.events_dead_lettered = Counter(
            "l2c_events_dead_lettered_total",
            "Records sent to their topic's dead-letter topic",
            ["topic", "event_type", "error_type"],
            registry=r,
        )
        self.handler_seconds = Histogram(
            "l2c_event_handler_duration_seconds",
            "Time in an event handler per call (a batch handler's call covers a run of events)",
            ["event_type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

        # Outbox and relay
        self.outbox_pending = Gauge(
            "l2c_outbox_pending_rows",
            "Outbox rows committed and not yet acknowledged by the broker, sampled "
            "(counted up to a cap; see docs/operations.md)",
            registry=r,
        )
        self.outbox_oldest_pending_age = Gauge(
            "l2c_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row (0 when none), sampled",
            registry=r,
        )
        self.outbox_parked = Gauge(
            "l2c_outbox_parked_rows",
            "Outbox rows the broker refused for good, waiting for an operator, sampled",
            registry=r,
        )
        self.table_rows = Gauge(
            "l2c_messaging_table_rows",
            "Estimated rows of the outbox and inbox tables (PostgreSQL statistics), sampled",
            ["table"],
            registry=r,
        )
        self.sample_failures = Counter(
            "l2c_metrics_sample_failures_total",
            "Samplings of the database gauges that failed (the gauges keep their last value)",
            registry=r,
        )
        self.relay_published = Counter(
            "l2c_relay_events_published_total",
            "Outbox rows published and acknowledged by the broker",
            ["event_type"],
            registry=r,
        )
        self.relay_parked = Counter(
            "l2c_relay_rows_parked_total",
            "Outbox rows parked by this relay because the broker refused them for good",
            registry=r,
        )
        self.relay_failures = Counter(
            "l2c_relay_batch_failures_total",
            "Relay batches that failed (broker or database away); the rows stay pending",
            registry=r,
        )
        self.relay_publish_seconds = Histogram(
            "l2c_relay_publish_duration_seconds",
            "Time from handing a batch to the producer to the broker's acknowledgement",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

        # HTTP
        self.http_requests = Counter(
            "l2c_http_requests_total",
            "HTTP requests answered, by route template and status code",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "l2c_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

        # Jobs
        self.job_runs = Counter(
            "l2c_job_runs_total", "Passes of a scheduled job", ["scheduled_job"], registry=r
        )
        self.job_failures = Counter(
            "l2c_job_failures_total",
            "Passes of a scheduled job that failed",
            ["scheduled_job"],
            registry=r,
        )
        self.job_seconds = Histogram(
            "l2c_job_duration_seconds",
            "Time of one pass of a scheduled job",
            ["scheduled_job"],
            buckets=JOB_BUCKETS,
            registry=r,
        )

        self.business = BusinessCounters(r)


__all__ = ["OTHER", "ServiceMetrics", "event_type_label"]
