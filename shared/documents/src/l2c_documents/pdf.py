"""Text lines as a PDF 1.4 file, written by hand.

One standard font (Helvetica, WinAnsi encoding), uncompressed text, A4 pages of as many lines
as fit: enough for a quote or an invoice, and no PDF library to install in every service.
`pdf_text_lines` reads the lines back from a file written here (tests check documents with it)."""

from __future__ import annotations

import re
from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN, FONT_SIZE, LEADING = 50, 10, 14
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING

_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\) Tj")


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_content(lines: Sequence[str]) -> bytes:
    content = b"BT /F1 %d Tf %d TL %d %d Td\n" % (FONT_SIZE, LEADING, MARGIN, PAGE_HEIGHT - MARGIN)
    content += b"".join(b"(" + _literal(text) + b") Tj T*\n" for text in lines)
    return content + b"ET"


def text_pdf(lines: Sequence[str]) -> bytes:
    """The lines, top to bottom, as a PDF 1.4 file of A4 pages (a new page when one is full).
    Characters outside Windows-1252 print as "?"."""
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = [  # object n is objects[n - 1]
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the pages tree, once the pages are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for page_lines in pages:
        content = _page_content(page_lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_text_lines(pdf: bytes) -> list[str]:
    """The text each `(…) Tj` operator of a file written by `text_pdf` shows, unescaped, in
    order: the lines it was given."""
    shown = _SHOWN.findall(pdf)
    return [re.sub(rb"\\(.)", rb"\1", s).decode("cp1252") for s in shown]
