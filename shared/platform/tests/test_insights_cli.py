"""`l2c journey` and `l2c metrics` render what insights-svc answers (no service needed: the
rendering is fed a recorded answer)."""

from __future__ import annotations

from rich.console import Console

from l2c_platform.cli.insights import human_duration, show_journey, show_metrics

JOURNEY = {
    "lead_id": "0ba47f71-8ed8-4a11-953c-d27c19b6c8d2",
    "account_id": "8a9c32d1-fb84-4ce2-b2ea-fcf4df3d7a82",
    "status": "paid",
    "owner": "rep-7",
    "source": "demo_request",
    "truncated": False,
    "stages": [
        {
            "stage": "LeadCaptured",
            "occurred_at": "2026-12-05T03:12:25+00:00",
            "actor": "web-forms",
            "trace_id": "176ccaca6686ee0326d4cd32d9cdad1a",
            "ids": {},
            "amounts": {},
            "detail": {"source": "demo_request"},
        },
        {
            "stage": "InvoicePaid",
            "occurred_at": "2026-12-20T05:12:25+00:00",
            "actor": None,
            "trace_id": "176ccaca6686ee0326d4cd32d9cdad1a",
            "ids": {"invoice_id": "ec638e64-0000-0000-0000-000000000000"},
            "amounts": {"amount": "2602.50"},
            "detail": {"currency": "EUR"},
        },
    ],
}


def test_durations_read_as_a_person_would() -> None:
    assert human_duration(None) == "-"
    assert human_duration(42.9) == "42s"
    assert human_duration(5 * 3600 + 20 * 60) == "5h 20m"
    assert human_duration(15 * 86400 + 2 * 3600) == "15d 02h"


def test_the_timeline_shows_each_stage_with_its_amount_id_and_trace() -> None:
    console = Console(record=True, width=120)
    show_journey(JOURNEY, console)
    text = console.export_text()
    assert "status paid" in text and "owner rep-7" in text
    paid = next(line for line in text.splitlines() if "InvoicePaid" in line)
    # 15 days 2 hours after the capture, the amount in its currency, the invoice, the trace
    assert "15d 02h" in paid
    assert "2602.50 EUR" in paid and "invoice ec638e64" in paid and "176ccaca" in paid


def test_the_metrics_table() -> None:
    answers = {
        "sales_cycle": {
            "kind": "duration",
            "groups": {
                "all": {
                    "count": 2,
                    "p50_seconds": 604800.0,
                    "p90_seconds": 777600.0,
                    "mean_seconds": 691200.0,
                }
            },
        },
        "opportunity_win_rate": {
            "kind": "rate",
            "groups": {"all": {"numerator": 2, "denominator": 3, "rate": "0.6667"}},
        },
        "funnel": {"stages": [{"stage": "captured", "count": 4, "drop_off": None}]},
    }
    console = Console(record=True, width=120)
    show_metrics(answers, console)
    text = console.export_text()
    cycle = next(line for line in text.splitlines() if "sales_cycle" in line)
    assert "7d 00h" in cycle and "9d 00h" in cycle and "8d 00h" in cycle
    rate = next(line for line in text.splitlines() if "opportunity_win_rate" in line)
    assert "2/3" in rate and "0.6667" in rate
