"""The quote document: its text, HTML and a PDF whose text can be read back."""

from __future__ import annotations

from cpq_svc.domain.document import (
    DocumentLine,
    DocumentStep,
    QuoteDocument,
    document_lines,
    render_html,
    render_pdf,
)
from l2c_documents import pdf_text_lines

DOC = QuoteDocument(
    quote_ref="AB12CD34",
    customer="Analytical Engines (Ltd)",
    version=2,
    status="sent",
    currency="EUR",
    issued_on="2026-01-15",
    valid_until="2026-02-14",
    lines=[
        DocumentLine(
            1,
            "Platform seat",
            "25",
            "49.00",
            "1225.00",
            "122.50",
            "1102.50",
            [DocumentStep("line discount", "10", "122.50")],
            "per month",
        ),
        DocumentLine(2, "Onboarding package", "1", "1500.00", "1500.00", "0.00", "1500.00"),
    ],
    list_total="2725.00",
    discount_total="122.50",
    net_total="2602.50",
    terms=["Term: 12 months, billed every month in advance", "Payment terms: net 30 days"],
)


def test_the_document_lists_lines_discounts_totals_terms_and_validity() -> None:
    text = document_lines(DOC)
    assert "1. Platform seat: 25 x 49.00 EUR = 1225.00 EUR per month" in text
    assert "    less line discount 10 %: -122.50 EUR" in text
    assert "Net total: 2602.50 EUR" in text
    assert "    Payment terms: net 30 days" in text
    assert any("Valid until: 2026-02-14" in line for line in text)


def test_the_pdf_holds_the_same_text_and_is_well_formed() -> None:
    pdf = render_pdf(DOC)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf_text_lines(pdf) == document_lines(DOC)  # parentheses in the name survive escaping
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref")


def test_a_long_quote_continues_on_more_pages() -> None:
    many = [DocumentLine(n, f"Item {n}", "1", "1.00", "1.00", "0.00", "1.00") for n in range(99)]
    pdf = render_pdf(QuoteDocument(**{**DOC.__dict__, "lines": many}))
    assert b"/Count 4" in pdf
    assert "Net total: 2602.50 EUR" in pdf_text_lines(pdf)


def test_the_html_escapes_names_and_shows_the_totals() -> None:
    html = render_html(QuoteDocument(**{**DOC.__dict__, "customer": "<Evil & Co>"}))
    assert "&lt;Evil &amp; Co&gt;" in html
    assert "Net total: 2602.50 EUR" in html and "less line discount 10 %" in html


NAMES = ["Łódź Sp. z o.o.", "Müller & Söhne", "東京株式会社"]


def test_the_pdf_shows_customer_names_in_any_script_exactly() -> None:
    for name in NAMES:
        doc = QuoteDocument(**{**DOC.__dict__, "customer": name})
        text = pdf_text_lines(render_pdf(doc))
        assert f"Customer: {name}" in text
        assert text == document_lines(doc)


def test_a_script_in_the_customer_name_is_shown_as_text() -> None:
    html = render_html(QuoteDocument(**{**DOC.__dict__, "customer": "<script>alert(1)</script>"}))
    assert "<script>" not in html
    assert "Customer: &lt;script&gt;alert(1)&lt;/script&gt;" in html
