"""Tracing and logging, the same in every service.

One lead is one trace: consumers continue the `traceparent` of the record, the outbox stores
the `traceparent` of the transaction that wrote it, and aggregates keep their journey's trace
context so a later human action (a signature, a payment) joins the same trace.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from pythonjsonlogger.json import JsonFormatter

LEAD_ID = "l2c.lead_id"
MAX_LINKS = 128
"""OpenTelemetry keeps 128 links per span by default (OTEL_SPAN_LINK_COUNT_LIMIT)."""
ACCOUNT_ID = "l2c.account_id"


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON line: lets tests read what a process exported."""

    def __init__(self, path: str, service_name: str) -> None:
        self._path = path
        self._service = service_name
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            if ctx is None:
                continue
            lines.append(
                json.dumps(
                    {
                        "service": self._service,
                        "name": span.name,
                        "trace_id": format(ctx.trace_id, "032x"),
                        "span_id": format(ctx.span_id, "016x"),
                        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                        "start": span.start_time,
                        "end": span.end_time,
                        "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
                    }
                )
            )
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def setup_tracing(service_name: str, span_file: str | None = None) -> TracerProvider:
    """A tracer provider for this process: OTLP when `OTEL_EXPORTER_OTLP_*` is set, plus the
    JSON-lines file in test mode."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if span_file:
        provider.add_span_processor(
            SimpleSpanProcessor(JsonLinesSpanExporter(span_file, service_name))
        )
    trace.set_tracer_provider(provider)
    return provider


TRACER = trace.get_tracer("l2c")
"""The platform's tracer (a proxy until `setup_tracing` installs the provider)."""


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, to store with an aggregate or outbox row."""
    return traceparent_of(trace.get_current_span())


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C traceparent of a span (None for an invalid one: no tracing)."""
    global _last_traceparent
    ids = span.get_span_context()
    last = _last_traceparent
    if last[0] is ids:  # a handler emits several events in one span
        return last[1]
    if not ids.is_valid:
        return None
    traceparent = f"00-{ids.trace_id:032x}-{ids.span_id:016x}-{ids.trace_flags:02x}"
    _last_traceparent = (ids, traceparent)
    return traceparent


_last_traceparent: tuple[object, str] = (object(), "")
"""The last span context formatted, with its traceparent (read and replaced whole: safe
between threads)."""


_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    """The context of a stored W3C traceparent (`00-<trace id>-<span id>-<flags>`); None
    for none or a malformed one. Parsed directly: the relay does this for every event."""
    parent = span_context_of(traceparent)
    return None if parent is None else trace.set_span_in_context(trace.NonRecordingSpan(parent))


def span_context_of(traceparent: str | None) -> trace.SpanContext | None:
    """The (remote) span context a W3C traceparent names; None for none or a malformed one."""
    if not traceparent or _TRACEPARENT.fullmatch(traceparent) is None:
        return None
    try:
        parent = trace.SpanContext(
            trace_id=int(traceparent[3:35], 16),
            span_id=int(traceparent[36:52], 16),
            is_remote=True,
            trace_flags=trace.TraceFlags(int(traceparent[53:55], 16)),
        )
    except ValueError:
        return None
    return parent if parent.is_valid else None


@contextmanager
def journey_span(
    name: str,
    traceparent: str | None,
    attributes: Mapping[str, str] | None = None,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
) -> Iterator[trace.Span]:
    """A span that joins the journey whose trace context was stored as `traceparent`."""
    parent = context_from_traceparent(traceparent)
    with TRACER.start_as_current_span(
        name, context=parent, kind=kind, attributes=dict(attributes or {})
    ) as span:
        yield span


class _TraceIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else None
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else None
        return True


def setup_logging(service_name: str, level: str = "INFO") -> None:
    """Structured JSON logs on stdout with the trace and span ids of the active span."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service_name},
        )
    )
    handler.addFilter(_TraceIds())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
