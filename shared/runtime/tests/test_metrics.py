"""The metrics' own logic: exact money sums, bounded labels, route templates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from l2c_runtime.metrics import OTHER, ServiceMetrics, event_type_label
from l2c_runtime.metrics.exposition import UNMATCHED, route_template
from l2c_schemas import LeadCaptured, Money
from l2c_schemas.ar import PaymentReceived


def _scraped(metrics: ServiceMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def _payment(amount: str, currency: str) -> PaymentReceived:
    return PaymentReceived(
        lead_id=uuid4(),
        payment_id=uuid4(),
        external_reference=f"ref-{uuid4()}",
        account_id=uuid4(),
        amount=Money.of(amount, currency),
        method="card",
        received_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_cash_collected_is_the_exact_decimal_sum_per_currency() -> None:
    metrics = ServiceMetrics(process_collectors=False)
    # as floats, 0.1 + 0.2 + 0.3 = 0.6000000000000001; as decimals, 0.60
    metrics.business.count([_payment("0.10", "EUR"), _payment("0.20", "EUR")])
    metrics.business.count([_payment("0.30", "EUR"), _payment("1000", "JPY")])
    assert metrics.business.cash_collected.sums() == {
        "EUR": Decimal("0.60"),
        "JPY": Decimal("1000"),
    }
    scraped = _scraped(metrics, "l2c_cash_collected_total")
    assert scraped == {(("currency", "EUR"),): 0.6, (("currency", "JPY"),): 1000.0}


def test_a_large_sum_of_cents_reads_back_to_the_cent() -> None:
    metrics = ServiceMetrics(process_collectors=False)
    # 100 000 payments of 12 345.67 = 1 234 567 000.00; summing floats drifts off the cent
    metrics.business.count([_payment("12345.67", "USD")] * 100_000)
    (value,) = _scraped(metrics, "l2c_cash_collected_total").values()
    assert Decimal(repr(value)) == Decimal("1234567000.00")


def test_leads_captured_counts_only_lead_captured_events() -> None:
    metrics = ServiceMetrics(process_collectors=False)
    lead = LeadCaptured(
        lead_id=uuid4(),
        company="Acme",
        source="web_form",
        captured_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    metrics.business.count([lead, lead, _payment("1.00", "EUR")])
    assert _scraped(metrics, "l2c_leads_captured_total") == {(): 2.0}


def test_an_unknown_event_type_is_one_label_value_whatever_it_is() -> None:
    assert event_type_label("l2c.lead.LeadCaptured.v1") == "l2c.lead.LeadCaptured.v1"
    assert event_type_label("attacker.chosen.Type.v999") == OTHER
    assert event_type_label(None) == OTHER


def test_route_label_is_the_template_never_the_raw_path() -> None:
    class Route:
        path_format = "/leads/{lead_id}"

    assert route_template({"type": "http", "route": Route()}) == "/leads/{lead_id}"
    assert route_template({"type": "http", "path": "/no/such/thing"}) == UNMATCHED
