"""The invoice document: customer names in any script in the PDF, and HTML that shows what it
is given as text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from billing_svc.domain.document import invoice_html, invoice_pdf, invoice_text_lines
from l2c_documents import pdf_text_lines

ACCOUNT = UUID("00000000-0000-0000-0000-0000000000a1")


def invoice(customer: str) -> dict[str, Any]:
    return {
        "invoice_number": "INV-2026-000007",
        "status": "open",
        "customer_name": customer,
        "account_id": ACCOUNT,
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "currency": "EUR",
        "period_start": date(2026, 3, 1),
        "period_end": date(2026, 3, 31),
        "tax_jurisdiction": "DE",
        "tax_rate": Decimal("0.19"),
        "lines": [
            {
                "line_no": 1,
                "description": "Platform seat",
                "product_code": "SEAT",
                "period_start": date(2026, 3, 1),
                "period_end": date(2026, 3, 31),
                "quantity": Decimal("3"),
                "amount": Decimal("150.00"),
            }
        ],
        # 3 x 50.00 = 150.00; tax 19 % = 28.50; total 178.50
        "subtotal": Decimal("150.00"),
        "tax_total": Decimal("28.50"),
        "total": Decimal("178.50"),
    }


@pytest.mark.parametrize("customer", ["Łódź Sp. z o.o.", "Müller & Söhne", "東京株式会社"])
def test_the_pdf_shows_the_customer_exactly(customer: str) -> None:
    text = pdf_text_lines(invoice_pdf(invoice(customer), "L2C GmbH"))
    assert f"Bill to: {customer}, account {ACCOUNT}" in text
    assert "Tax DE 19 %: 28.50 EUR" in text and "Total: 178.50 EUR" in text
    assert text == invoice_text_lines(invoice(customer), "L2C GmbH")


def test_a_script_in_the_customer_name_is_shown_as_text() -> None:
    html = invoice_html(invoice("<script>alert('x')</script>"), "L2C & Partners")
    assert "<script>" not in html
    assert "<strong>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</strong>" in html
    assert "From: L2C &amp; Partners" in html
    assert "Total</th><td></td><th class=n>178.50 EUR</th>" in html
