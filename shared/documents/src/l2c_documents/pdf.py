"""Text lines as a PDF, written with fpdf2 in embedded Unicode fonts.

DejaVu Sans sets the text; a character it lacks (Chinese, Japanese, Korean) comes from Droid
Sans Fallback. Only the glyphs a document uses are embedded. A4 pages of as many lines as fit,
one line per row, no wrapping. `pdf_text_lines` reads the lines back from a file written here
(tests check documents with it)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pypdf import PdfReader

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN, FONT_SIZE, LEADING = 50, 10, 14
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING

FONTS = Path(__file__).resolve().parent / "fonts"
_TEXT_FONT, _FALLBACK_FONT = "DejaVuSans", "DroidSansFallback"


@cache
def _text_font_characters() -> frozenset[int]:
    with TTFont(FONTS / f"{_TEXT_FONT}.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


def text_pdf(lines: Sequence[str]) -> bytes:
    """The lines, top to bottom, as a PDF of A4 pages (a new page when one is full)."""
    pdf = FPDF(unit="pt", format=(PAGE_WIDTH, PAGE_HEIGHT))
    pdf.pdf_version = "1.4"  # the version these documents have always declared
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(_TEXT_FONT, fname=str(FONTS / f"{_TEXT_FONT}.ttf"))
    pdf.set_font(_TEXT_FONT, size=FONT_SIZE)
    # The fallback font is large: read only for a document with a character the text font lacks.
    known = _text_font_characters()
    if any(ord(c) not in known for text in lines for c in text):
        pdf.add_font(_FALLBACK_FONT, fname=str(FONTS / f"{_FALLBACK_FONT}.ttf"))
        pdf.set_fallback_fonts([_FALLBACK_FONT])
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    for page_lines in pages:
        pdf.add_page()
        for row, text in enumerate(page_lines):
            if text:
                pdf.set_xy(MARGIN, MARGIN + row * LEADING)
                pdf.cell(text=text, h=LEADING, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def pdf_text_lines(pdf: bytes) -> list[str]:
    """The lines of a file written by `text_pdf`, read with pypdf: each piece of text goes to
    the row its baseline stands on, so blank lines between others come back as "". Blank
    lines at the very end of the document are not seen."""
    rows: dict[int, list[str]] = {}
    for number, page in enumerate(PdfReader(BytesIO(pdf)).pages):

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any, number: int = number) -> None:
            if not text.strip("\n"):
                return
            # The baseline lies inside the row's band; pieces of one row arrive in order.
            baseline = tm[5] * cm[3] + cm[5]
            row = int((PAGE_HEIGHT - MARGIN - baseline) // LEADING)
            rows.setdefault(number * LINES_PER_PAGE + row, []).append(text.strip("\n"))

        page.extract_text(visitor_text=visit)
    if not rows:
        return []
    return ["".join(rows.get(row, [])) for row in range(max(rows) + 1)]
