"""The checked-in JSON Schemas are exactly what the models generate now."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from l2c_schemas.jsonschema import all_schemas, dumps, file_name, schema_of
from l2c_schemas.registry import MESSAGE_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "jsonschema"
REGENERATE = (
    "run `uv run python shared/schemas/scripts/generate_jsonschema.py` (make schemas) "
    "and commit shared/schemas/jsonschema/"
)


def test_checked_in_files_equal_generated() -> None:
    expected = {file_name(t): dumps(s) for t, s in all_schemas().items()}
    present = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    missing = sorted(set(expected) - set(present))
    extra = sorted(set(present) - set(expected))
    stale = sorted(n for n in set(expected) & set(present) if expected[n] != present[n])
    assert not (missing or extra or stale), (
        f"JSON Schemas out of date (missing={missing}, stale={stale}, extra={extra}): {REGENERATE}"
    )


def test_one_schema_per_message_type() -> None:
    schemas = all_schemas()
    assert list(schemas) == sorted(MESSAGE_TYPES)
    for ce_type, schema in schemas.items():
        model = MESSAGE_TYPES[ce_type]
        assert schema["$id"] == ce_type
        assert schema["title"] == ce_type
        assert schema["x-topic"] == model.topic
        assert schema["type"] == "object"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_output_is_deterministic() -> None:
    assert [dumps(s) for s in all_schemas().values()] == [dumps(s) for s in all_schemas().values()]
    text = dumps(schema_of(MESSAGE_TYPES["l2c.billing.InvoiceIssued.v1"]))
    assert text.endswith("}\n")
    assert json.loads(text)["x-topic"] == "l2c.billing.events.v1"


def test_money_is_a_string_on_the_wire() -> None:
    schema = schema_of(MESSAGE_TYPES["l2c.billing.InvoiceIssued.v1"])
    amount = schema["$defs"]["Money"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert "pattern" in amount


def _invoice_json() -> dict[str, Any]:
    money = {"amount": "1190.00", "currency": "EUR"}
    uid = "6f1c0c1e-8a57-4a4e-9b5a-1c3a3e4a7b10"
    return {
        "lead_id": uid,
        "account_id": uid,
        "invoice_id": uid,
        "invoice_number": "INV-2025-000001",
        "subscription_id": uid,
        "customer_name": "ACME GmbH",
        "currency": "EUR",
        "issue_date": "2025-01-01",
        "due_date": "2025-01-31",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "lines": [
            {
                "line_no": 1,
                "product_code": "PLAT",
                "description": "Platform",
                "quantity": "1",
                "unit_price": {"amount": "1000.00", "currency": "EUR"},
                "amount": {"amount": "1000.00", "currency": "EUR"},
                "period_start": "2025-01-01",
                "period_end": "2025-01-31",
            }
        ],
        "subtotal": {"amount": "1000.00", "currency": "EUR"},
        "tax_total": {"amount": "190.00", "currency": "EUR"},
        "total": money,
        "issued_at": "2025-01-01T00:00:00Z",
    }


def test_model_output_validates_against_its_schema() -> None:
    model = MESSAGE_TYPES["l2c.billing.InvoiceIssued.v1"]
    body = json.loads(model.model_validate(_invoice_json()).model_dump_json())
    validator = jsonschema.Draft202012Validator(schema_of(model))
    assert list(validator.iter_errors(body)) == []


@pytest.mark.parametrize("bad", [1190.0, "1,190.00", "1190.00 EUR"])
def test_schema_rejects_non_decimal_string_amounts(bad: object) -> None:
    body = _invoice_json()
    body["total"] = {"amount": bad, "currency": "EUR"}
    validator = jsonschema.Draft202012Validator(
        schema_of(MESSAGE_TYPES["l2c.billing.InvoiceIssued.v1"])
    )
    assert not validator.is_valid(body)
