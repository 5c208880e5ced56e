"""The quote document a customer receives: the same content as text lines, HTML and PDF.

The PDF is written by hand (PDF 1.4, one standard Helvetica font, uncompressed text) so the
service needs no PDF library; it holds text only, which is all a quote needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN, FONT_SIZE, LEADING = 50, 10, 14
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


@dataclass(frozen=True)
class DocumentStep:
    step: str
    percent: str
    amount: str


@dataclass(frozen=True)
class DocumentLine:
    line_no: int
    description: str
    quantity: str
    unit_price: str
    list_amount: str
    discount_amount: str
    net_amount: str
    steps: list[DocumentStep] = field(default_factory=list)
    period: str | None = None
    """For recurring lines: "per month" etc."""


@dataclass(frozen=True)
class QuoteDocument:
    quote_ref: str
    customer: str
    version: int
    status: str
    currency: str
    issued_on: str
    valid_until: str
    lines: list[DocumentLine]
    list_total: str
    discount_total: str
    net_total: str
    terms: list[str]
    usage: list[str] = field(default_factory=list)


def _money(amount: str, currency: str) -> str:
    return f"{amount} {currency}"


def document_lines(doc: QuoteDocument) -> list[str]:
    """The document as plain text lines, in reading order."""
    c = doc.currency
    out = [
        f"Quote {doc.quote_ref} version {doc.version}",
        f"Customer: {doc.customer}",
        f"Issued: {doc.issued_on}    Valid until: {doc.valid_until}    Status: {doc.status}",
        "",
        "Lines",
    ]
    for line in doc.lines:
        period = f" {line.period}" if line.period else ""
        out.append(
            f"{line.line_no}. {line.description}: {line.quantity} x "
            f"{_money(line.unit_price, c)} = {_money(line.list_amount, c)}{period}"
        )
        out += [f"    less {s.step} {s.percent} %: -{_money(s.amount, c)}" for s in line.steps]
        out.append(f"    net {_money(line.net_amount, c)}{period}")
    if doc.usage:
        out += ["", "Usage (billed in arrears)", *(f"    {u}" for u in doc.usage)]
    out += [
        "",
        f"List total: {_money(doc.list_total, c)}",
        f"Discount total: -{_money(doc.discount_total, c)}",
        f"Net total: {_money(doc.net_total, c)}",
        "",
        "Terms",
        *(f"    {t}" for t in doc.terms),
    ]
    return out


def render_html(doc: QuoteDocument) -> str:
    """The document as a standalone HTML page."""
    c = doc.currency
    rows = []
    for line in doc.lines:
        period = f" {escape(line.period)}" if line.period else ""
        rows.append(
            f"<tr><td>{line.line_no}</td><td>{escape(line.description)}</td>"
            f"<td>{line.quantity}</td><td>{_money(line.unit_price, c)}</td>"
            f"<td>{_money(line.list_amount, c)}</td><td>-{_money(line.discount_amount, c)}</td>"
            f"<td>{_money(line.net_amount, c)}{period}</td></tr>"
        )
        rows += [
            f'<tr class="discount"><td></td><td colspan="4">less {escape(s.step)} '
            f"{s.percent} %</td><td>-{_money(s.amount, c)}</td><td></td></tr>"
            for s in line.steps
        ]
    usage = "".join(f"<li>{escape(u)}</li>" for u in doc.usage)
    terms = "".join(f"<li>{escape(t)}</li>" for t in doc.terms)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Quote {escape(doc.quote_ref)} v{doc.version}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}}
tr.discount td{{color:#666;font-size:90%}}</style></head><body>
<h1>Quote {escape(doc.quote_ref)} version {doc.version}</h1>
<p>Customer: {escape(doc.customer)}<br>Issued: {doc.issued_on} &middot;
Valid until: {doc.valid_until} &middot; Status: {escape(doc.status)}</p>
<table><thead><tr><th>#</th><th>Product</th><th>Quantity</th><th>Unit price</th>
<th>List</th><th>Discount</th><th>Net</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
{f"<h2>Usage (billed in arrears)</h2><ul>{usage}</ul>" if usage else ""}
<p>List total: {_money(doc.list_total, c)}<br>
Discount total: -{_money(doc.discount_total, c)}<br>
<strong>Net total: {_money(doc.net_total, c)}</strong></p>
<h2>Terms</h2><ul>{terms}</ul>
</body></html>
"""


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def render_pdf(doc: QuoteDocument) -> bytes:
    """The document as a PDF 1.4 file of text pages (Helvetica, A4)."""
    lines = document_lines(doc)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # pages tree, filled in below
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for page_lines in pages:
        content = b"BT /F1 %d Tf %d TL %d %d Td\n" % (
            FONT_SIZE,
            LEADING,
            MARGIN,
            PAGE_HEIGHT - MARGIN,
        )
        content += b"".join(b"(" + _pdf_text(text) + b") Tj T*\n" for text in page_lines)
        content += b"ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        content_no = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, content_no)
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
