"""The Grafana dashboard and the Prometheus alert rules query metrics that exist: every
`l2c_*` name they use is one the code registers (a renamed metric fails here, not on a
silent dashboard), and the dashboard is well-formed JSON Grafana can provision.
`promtool check rules` / `promtool test rules` (in .ci/run) check the rules' syntax and
behaviour."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from insights_svc.handlers import watch
from l2c_runtime.metrics import ServiceMetrics

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "l2c-overview.json"
RULES = OBSERVABILITY / "prometheus" / "alerts.yml"
RULE_TESTS = OBSERVABILITY / "prometheus" / "alerts_test.yml"

_NAME = re.compile(r"\bl2c_[a-z0-9_]+")


def exposed_names() -> set[str]:
    """Every sample name a process exposes (`_bucket`, `_count`, `_sum`, `_total` included)."""
    registry = ServiceMetrics(process_collectors=False).registry
    watch.gauges(registry)  # insights-svc's hand-off and leakage gauges, in its registry
    names = set()
    for family in registry.collect():
        names.add(family.name)
        for suffix in ("_total", "_bucket", "_count", "_sum", "_created"):
            names.add(family.name + suffix)
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def rule_queries() -> list[str]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_every_metric_the_dashboard_queries_is_registered_by_the_code() -> None:
    used = {name for expr in dashboard_queries() for name in _NAME.findall(expr)}
    assert used, "the dashboard queries no l2c_ metric"
    assert used <= exposed_names(), f"not registered: {sorted(used - exposed_names())}"


def test_every_metric_the_alert_rules_query_is_registered_by_the_code() -> None:
    used = {name for expr in rule_queries() for name in _NAME.findall(expr)}
    assert used <= exposed_names(), f"not registered: {sorted(used - exposed_names())}"


def test_the_check_catches_a_name_that_drifted() -> None:
    assert "l2c_cash_collected_total" in exposed_names()
    assert "l2c_cash_collected_sum_total" not in exposed_names()
    assert "l2c_consumer_lag" not in exposed_names()  # the registered name ends in _records


def test_the_dashboard_shows_lag_throughput_errors_latency_outbox_dead_letters_and_cash() -> None:
    queries = " ".join(dashboard_queries())
    for name in (
        "l2c_consumer_lag_records",
        "l2c_events_handled_total",
        "l2c_event_handling_failures_total",
        "l2c_event_handler_duration_seconds_bucket",
        "l2c_http_request_duration_seconds_bucket",
        "l2c_outbox_oldest_pending_age_seconds",
        "l2c_events_dead_lettered_total",
        "l2c_leads_captured_total",
        "l2c_quotes_accepted_total",
        "l2c_invoices_issued_total",
        "l2c_cash_collected_total",
    ):
        assert name in queries, name
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_every_alert_has_a_runbook_and_a_unit_test() -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {
        "L2CServiceDown",
        "L2CConsumerLagGrowing",
        "L2COutboxOldestUnsentTooOld",
        "L2CDeadLettersAppearing",
        "L2CHttpErrorRate",
    } <= set(alerts)
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    tested = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    for name, rule in alerts.items():
        assert rule["annotations"]["runbook"].strip(), name
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert name in tested, f"{name} has no promtool test where it fires"
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in alerts:
        assert name in docs, f"{name} is not in docs/operations.md"


def test_every_registered_metric_is_documented_for_operators() -> None:
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    registry = ServiceMetrics(process_collectors=False).registry
    watch.gauges(registry)
    for family in registry.collect():
        name = family.name + ("_total" if family.type == "counter" else "")
        assert f"`{name}`" in docs, f"{name} is not in docs/operations.md"
