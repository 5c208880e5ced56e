"""Stored traceparents are read back as the W3C propagator reads them."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from l2c_runtime.telemetry import context_from_traceparent, traceparent_of

VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _parent(traceparent: str) -> trace.SpanContext | None:
    context = context_from_traceparent(traceparent)
    return None if context is None else trace.get_current_span(context).get_span_context()


def test_a_valid_traceparent_gives_the_propagators_span_context() -> None:
    expected = trace.get_current_span(
        TraceContextTextMapPropagator().extract({"traceparent": VALID})
    ).get_span_context()
    assert _parent(VALID) == expected
    assert traceparent_of(trace.NonRecordingSpan(expected)) == VALID


@pytest.mark.parametrize(
    "traceparent",
    [
        None,
        "",
        VALID[:-1],  # too short
        "01" + VALID[2:],  # unknown version
        "00-" + "0" * 32 + VALID[35:],  # all-zero trace id
        VALID[:36] + "0" * 16 + VALID[52:],  # all-zero span id
        VALID.replace("-", "_"),
        VALID[:3] + "zz" + VALID[5:],  # not hex
        VALID.upper().replace("00-", "00-", 1),  # upper-case hex
        VALID[:-2] + "-1",  # a signed number is not hex
        VALID[:3] + "+" + VALID[4:],
    ],
)
def test_a_malformed_traceparent_gives_no_context(traceparent: str | None) -> None:
    assert context_from_traceparent(traceparent) is None
