"""A PDF of text lines: well formed, paged, and its text can be read back."""

from __future__ import annotations

from l2c_documents import pdf_text_lines, text_pdf
from l2c_documents.pdf import LINES_PER_PAGE

LINES = ["Invoice INV-2026-000001", "Bill to: Analytical Engines (Ltd) \\ R&D", "", "Total: 1.00"]


def xref_offsets(pdf: bytes) -> list[int]:
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref")
    entries = pdf[xref_at:].split(b"\n")[3:]
    return [int(e.split()[0]) for e in entries if e.endswith(b" n ")]


def test_the_lines_read_back_unchanged_even_with_parentheses_and_backslashes() -> None:
    pdf = text_pdf(LINES)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf_text_lines(pdf) == LINES


def test_each_xref_offset_points_at_its_object() -> None:
    pdf = text_pdf(LINES)
    for number, offset in enumerate(xref_offsets(pdf), start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_lines_that_do_not_fit_continue_on_the_next_page() -> None:
    lines = [f"line {n}" for n in range(LINES_PER_PAGE * 2 + 1)]
    pdf = text_pdf(lines)
    assert b"/Count 3" in pdf
    assert pdf_text_lines(pdf) == lines


def test_any_character_reads_back_as_written() -> None:
    lines = ["€ 5 ≈ 5 €", "Łódź Sp. z o.o.", "Müller & Söhne", "東京株式会社", "mixed 東京 Łódź"]
    assert pdf_text_lines(text_pdf(lines)) == lines


def test_the_fonts_are_embedded() -> None:
    pdf = text_pdf(["Łódź", "東京"])
    assert pdf.count(b"/FontFile2") == 2  # DejaVu Sans and, for the CJK text, Droid Sans Fallback
