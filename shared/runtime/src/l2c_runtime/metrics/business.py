"""Business counters, counted from the events a transaction committed: leads captured,
quotes accepted, invoices issued and their amounts, cash collected.

Amounts are summed as `Decimal`, exactly, and turned into a float only when scraped:
Prometheus stores float64, so the scraped value is the exact sum rounded once to the nearest
float64 (`1234.56` for a sum of 1234.56), not the drift of adding floats payment by payment.
Up to 15 significant digits (below a trillion with cents) it reads back exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from l2c_schemas.ar import PaymentReceived
from l2c_schemas.base import Message
from l2c_schemas.billing import InvoiceIssued
from l2c_schemas.cpq import QuoteAccepted
from l2c_schemas.lead import LeadCaptured


class DecimalSums(Collector):
    """A counter per currency whose value is an exact decimal sum."""

    def __init__(self, name: str, documentation: str, registry: CollectorRegistry) -> None:
        self._name = name
        self._documentation = documentation
        self._sums: dict[str, Decimal] = {}
        self._lock = threading.Lock()  # scrapes of the relay's listener come from a thread
        registry.register(self)

    def add(self, currency: str, amount: Decimal) -> None:
        if amount < 0:
            raise ValueError(f"a counter only grows: {amount} {currency}")
        with self._lock:
            self._sums[currency] = self._sums.get(currency, Decimal(0)) + amount

    def sums(self) -> dict[str, Decimal]:
        with self._lock:
            return dict(self._sums)

    def describe(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self._name, self._documentation, labels=["currency"])]

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=["currency"])
        for currency, total in sorted(self.sums().items()):
            family.add_metric([currency], float(total))
        yield family


class BusinessCounters:
    """The counters RevOps and finance read; `count` is called with the events of each
    committed transaction (so a rolled-back one counts nothing)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.leads_captured = Counter(
            "l2c_leads_captured_total", "Leads captured (LeadCaptured events)", registry=registry
        )
        self.quotes_accepted = Counter(
            "l2c_quotes_accepted_total",
            "Quotes accepted by customers (QuoteAccepted events), by currency",
            ["currency"],
            registry=registry,
        )
        self.invoices_issued = Counter(
            "l2c_invoices_issued_total",
            "Invoices issued (InvoiceIssued events), by currency",
            ["currency"],
            registry=registry,
        )
        self.invoiced = DecimalSums(
            "l2c_invoiced_amount",
            "Sum of the totals of invoices issued, in the currency's major unit (e.g. EUR)",
            registry,
        )
        self.cash_collected = DecimalSums(
            "l2c_cash_collected",
            "Sum of payments received (PaymentReceived events), in the currency's major unit",
            registry,
        )

    def count(self, events: Sequence[Message]) -> None:
        for event in events:
            if isinstance(event, LeadCaptured):
                self.leads_captured.inc()
            elif isinstance(event, QuoteAccepted):
                self.quotes_accepted.labels(event.currency).inc()
            elif isinstance(event, InvoiceIssued):
                self.invoices_issued.labels(event.currency).inc()
                self.invoiced.add(event.total.currency, event.total.amount)
            elif isinstance(event, PaymentReceived):
                self.cash_collected.add(event.amount.currency, event.amount.amount)
