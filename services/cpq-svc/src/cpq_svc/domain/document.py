"""The quote document a customer receives: the same content as text lines, HTML and PDF.

The PDF is the text lines written by l2c_documents in embedded Unicode fonts: text only, which
is all a quote needs. The HTML comes from an autoescaped template."""

from __future__ import annotations

from dataclasses import dataclass, field

from l2c_documents import html_template, text_pdf


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


_QUOTE_HTML = html_template(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Quote {{ doc.quote_ref }} v{{ doc.version }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}
tr.discount td{color:#666;font-size:90%}</style></head><body>
<h1>Quote {{ doc.quote_ref }} version {{ doc.version }}</h1>
<p>Customer: {{ doc.customer }}<br>Issued: {{ doc.issued_on }} &middot;
Valid until: {{ doc.valid_until }} &middot; Status: {{ doc.status }}</p>
<table><thead><tr><th>#</th><th>Product</th><th>Quantity</th><th>Unit price</th>
<th>List</th><th>Discount</th><th>Net</th></tr></thead><tbody>
{% for line in lines %}<tr><td>{{ line.no }}</td><td>{{ line.description }}</td>
<td>{{ line.quantity }}</td><td>{{ line.unit_price }}</td><td>{{ line.list_amount }}</td>
<td>-{{ line.discount }}</td>
<td>{{ line.net }}{% if line.period %} {{ line.period }}{% endif %}</td></tr>
{% for step in line.steps %}<tr class="discount"><td></td>
<td colspan="4">less {{ step.step }} {{ step.percent }} %</td>
<td>-{{ step.amount }}</td><td></td></tr>
{% endfor %}{% endfor %}</tbody></table>
{% if doc.usage %}<h2>Usage (billed in arrears)</h2><ul>
{% for u in doc.usage %}<li>{{ u }}</li>{% endfor %}</ul>{% endif %}
<p>List total: {{ list_total }}<br>
Discount total: -{{ discount_total }}<br>
<strong>Net total: {{ net_total }}</strong></p>
<h2>Terms</h2><ul>{% for t in doc.terms %}<li>{{ t }}</li>{% endfor %}</ul>
</body></html>
"""
)


def render_html(doc: QuoteDocument) -> str:
    """The document as a standalone HTML page."""
    c = doc.currency
    lines = [
        {
            "no": line.line_no,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": _money(line.unit_price, c),
            "list_amount": _money(line.list_amount, c),
            "discount": _money(line.discount_amount, c),
            "net": _money(line.net_amount, c),
            "period": line.period,
            "steps": [
                {"step": s.step, "percent": s.percent, "amount": _money(s.amount, c)}
                for s in line.steps
            ],
        }
        for line in doc.lines
    ]
    return _QUOTE_HTML.render(
        doc=doc,
        lines=lines,
        list_total=_money(doc.list_total, c),
        discount_total=_money(doc.discount_total, c),
        net_total=_money(doc.net_total, c),
    )


def render_pdf(doc: QuoteDocument) -> bytes:
    """The document as a PDF of its text lines (A4)."""
    return text_pdf(document_lines(doc))
