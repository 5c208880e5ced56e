"""CloudEvents 1.0 Kafka binary mode: encode, read attributes, decode, and refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from l2c_schemas import InvoiceIssued, InvoiceLine, LeadCaptured, Money, PaymentNotified
from l2c_schemas.envelope import (
    InvalidMessage,
    KafkaRecord,
    decode_as,
    decode_data,
    encode,
    read_attributes,
)

LEAD = UUID("11111111-1111-4111-8111-111111111111")
ACCOUNT = UUID("22222222-2222-4222-8222-222222222222")
INVOICE = UUID("33333333-3333-4333-8333-333333333333")
SUBSCRIPTION = UUID("44444444-4444-4444-8444-444444444444")
EVENT_ID = UUID("55555555-5555-4555-8555-555555555555")
CEST = timezone(timedelta(hours=2))


def invoice() -> InvoiceIssued:
    eur = "EUR"
    return InvoiceIssued(
        lead_id=LEAD,
        account_id=ACCOUNT,
        invoice_id=INVOICE,
        invoice_number="INV-2025-000001",
        subscription_id=SUBSCRIPTION,
        customer_name="ACME GmbH",
        currency=eur,
        issue_date=date(2025, 1, 1),
        due_date=date(2025, 1, 31),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 1, 31),
        lines=[
            InvoiceLine(
                line_no=1,
                product_code="PLAT",
                description="Platform",
                quantity=1,
                unit_price=Money.of("1000", eur),
                amount=Money.of("1000", eur),
                period_start=date(2025, 1, 1),
                period_end=date(2025, 1, 31),
            )
        ],
        subtotal=Money.of("1000", eur),
        tax_total=Money.of("190", eur),
        total=Money.of("1190", eur),
        issued_at=datetime(2025, 1, 1, 9, 30, tzinfo=UTC),
    )


def record() -> KafkaRecord:
    return encode(
        invoice(),
        source="billing-svc",
        event_id=EVENT_ID,
        time=datetime(2025, 1, 1, 11, 30, tzinfo=CEST),
        extensions={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )


def headers_of(rec: KafkaRecord) -> dict[str, str]:
    names = [name for name, _ in rec.headers]
    assert len(names) == len(set(names)), f"duplicate headers: {names}"
    return {name: value.decode() for name, value in rec.headers}


def body_of(rec: KafkaRecord) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(rec.value)
    return body


def test_encode_sets_the_cloudevents_headers() -> None:
    rec = record()
    headers = headers_of(rec)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == str(EVENT_ID)
    assert headers["ce_type"] == "l2c.billing.InvoiceIssued.v1"
    assert headers["ce_source"] == "billing-svc"
    assert headers["ce_time"] == "2025-01-01T09:30:00Z"
    assert headers["ce_time"].endswith("Z")
    assert headers["ce_subject"] == str(INVOICE)
    assert headers["content-type"] == "application/json"
    assert headers["ce_traceparent"].startswith("00-")
    assert rec.topic == "l2c.billing.events.v1"


def test_encode_defaults_id_and_time() -> None:
    headers = headers_of(encode(invoice(), source="billing-svc"))
    UUID(headers["ce_id"])
    assert headers["ce_time"].endswith("Z")
    assert datetime.fromisoformat(headers["ce_time"]).tzinfo is not None


def test_body_is_json_with_money_as_strings() -> None:
    body = body_of(record())
    assert body["total"] == {"amount": "1190.00", "currency": "EUR"}
    assert body["lines"][0]["quantity"] == "1"
    assert body["issued_at"] == "2025-01-01T09:30:00Z"


def test_key_is_account_id_else_lead_id() -> None:
    assert record().key == str(ACCOUNT).encode()
    captured = LeadCaptured(
        lead_id=LEAD,
        company="ACME",
        source="web",
        captured_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    rec = encode(captured, source="lead-svc")
    assert rec.key == str(LEAD).encode()
    assert headers_of(rec)["ce_subject"] == str(LEAD)
    with_account = captured.model_copy(update={"account_id": ACCOUNT})
    assert encode(with_account, source="lead-svc").key == str(ACCOUNT).encode()


def test_inbound_payment_is_keyed_by_account() -> None:
    notified = PaymentNotified(
        external_reference="psp-1",
        account_id=ACCOUNT,
        amount=Money.of("1190", "EUR"),
        received_at=datetime(2025, 1, 2, tzinfo=UTC),
    )
    rec = encode(notified, source="psp")
    assert rec.key == str(ACCOUNT).encode()
    assert headers_of(rec)["ce_subject"] == "psp-1"


def test_round_trip_gives_an_equal_model() -> None:
    rec = record()
    event = read_attributes(rec.headers)
    assert event.id == str(EVENT_ID)
    assert event.type == "l2c.billing.InvoiceIssued.v1"
    assert event.source == "billing-svc"
    assert event.time == datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    assert event.subject == str(INVOICE)
    assert event.extensions == {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    }
    decoded = decode_data(event, rec.value)
    assert isinstance(decoded, InvoiceIssued)
    assert decoded == invoice()
    assert decoded.model_dump_json().encode() == rec.value


def test_unknown_type_is_invalid() -> None:
    rec = record()
    headers = [(n, b"l2c.billing.Nope.v1" if n == "ce_type" else v) for n, v in rec.headers]
    event = read_attributes(headers)
    with pytest.raises(InvalidMessage, match=r"unknown event type 'l2c\.billing\.Nope\.v1'"):
        decode_data(event, rec.value)


@pytest.mark.parametrize("header", ["ce_id", "ce_type", "ce_source", "ce_specversion"])
def test_missing_required_header_is_invalid(header: str) -> None:
    headers = [(n, v) for n, v in record().headers if n != header]
    with pytest.raises(InvalidMessage, match=f"missing CloudEvents headers: {header}"):
        read_attributes(headers)


def test_wrong_specversion_and_bad_time_are_invalid() -> None:
    rec = record()
    with pytest.raises(InvalidMessage, match="ce_specversion"):
        read_attributes([(n, b"0.3" if n == "ce_specversion" else v) for n, v in rec.headers])
    with pytest.raises(InvalidMessage, match="ce_time"):
        read_attributes([(n, b"yesterday" if n == "ce_time" else v) for n, v in rec.headers])
    with pytest.raises(InvalidMessage, match="UTF-8"):
        read_attributes([(n, b"\xff" if n == "ce_id" else v) for n, v in rec.headers])


def _decode_body(body: dict[str, Any]) -> InvoiceIssued:
    rec = record()
    event = read_attributes(rec.headers)
    decoded = decode_data(event, json.dumps(body).encode())
    assert isinstance(decoded, InvoiceIssued)
    return decoded


def test_amount_as_float_is_invalid_and_names_the_field() -> None:
    body = body_of(record())
    body["total"]["amount"] = 1190.0
    with pytest.raises(InvalidMessage, match=r"total\.amount: .*never floats"):
        _decode_body(body)


def test_nested_float_names_the_line() -> None:
    body = body_of(record())
    body["lines"][0]["amount"]["amount"] = 1000.0
    with pytest.raises(InvalidMessage, match=r"lines\.0\.amount\.amount"):
        _decode_body(body)


def test_missing_field_is_invalid_and_names_the_field() -> None:
    body = body_of(record())
    del body["invoice_number"]
    with pytest.raises(InvalidMessage, match=r"InvoiceIssued\.v1 is invalid: invoice_number"):
        _decode_body(body)


@pytest.mark.parametrize("value", [b"", None, b"not json", b"[]"])
def test_empty_or_malformed_body_is_invalid(value: bytes | None) -> None:
    with pytest.raises(InvalidMessage):
        decode_as(InvoiceIssued, value)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    body = body_of(record())
    body["loyalty_points"] = 42
    body["lines"][0]["tax_code"] = "DE-19"
    body["total"]["display"] = "€1,190.00"
    assert _decode_body(body) == invoice()
