"""The invoice document a customer receives: the same content as printable HTML (an autoescaped
template) and as a PDF of text lines (written by l2c_documents in embedded Unicode fonts). A draft
shows as a draft: it has no number and no dates until it is issued."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from l2c_documents import html_template, text_pdf
from l2c_schemas.money import currency_exponent


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.{currency_exponent(currency)}f} {currency}"


def _title(invoice: dict[str, Any]) -> str:
    number = invoice["invoice_number"]
    return f"Invoice {number}" if number else "Draft invoice (numbered when issued)"


def _dates(invoice: dict[str, Any]) -> tuple[str, str]:
    if invoice["issue_date"] is None:
        return "when issued", "when issued"
    return str(invoice["issue_date"]), str(invoice["due_date"])


def _tax_label(invoice: dict[str, Any]) -> str:
    if not invoice.get("tax_jurisdiction"):
        return "Tax"
    percent = (invoice["tax_rate"] * 100).normalize()
    return f"Tax {invoice['tax_jurisdiction']} {percent:f} %"


def _quantity(line: dict[str, Any]) -> str:
    return format(line["quantity"].normalize(), "f")


def invoice_text_lines(invoice: dict[str, Any], issuer: str) -> list[str]:
    """The invoice (a row of list_invoices with its lines) as text lines in reading order."""
    cur = invoice["currency"]
    issued, due = _dates(invoice)
    out = [
        _title(invoice),
        f"Status: {invoice['status'].upper()}",
        f"From: {issuer}",
        f"Bill to: {invoice['customer_name']}, account {invoice['account_id']}",
        f"Issue date: {issued}    Due date: {due}    Currency: {cur}",
        f"Service period: {invoice['period_start']} - {invoice['period_end']}",
        "",
    ]
    for line in invoice["lines"]:
        out.append(
            f"{line['line_no']}. {line['description']} ({line['product_code']}, "
            f"{line['period_start']} - {line['period_end']}) qty {_quantity(line)}: "
            f"{_money(line['amount'], cur)}"
        )
    return [
        *out,
        "",
        f"Subtotal: {_money(invoice['subtotal'], cur)}",
        f"{_tax_label(invoice)}: {_money(invoice['tax_total'], cur)}",
        f"Total: {_money(invoice['total'], cur)}",
    ]


def invoice_pdf(invoice: dict[str, Any], issuer: str) -> bytes:
    """The invoice as a PDF (A4)."""
    return text_pdf(invoice_text_lines(invoice, issuer))


_INVOICE_HTML = html_template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ccc; padding: .4em; text-align: left; }
.n { text-align: right; } .status { font-weight: bold; }
</style></head><body>
<h1>{{ title }}</h1>
<p class="status">{{ status }}</p>
<p>From: {{ issuer }}</p>
<p>Bill to: <strong>{{ customer }}</strong><br>
Account {{ account }}</p>
<p>Issue date: {{ issued }}<br>Due date: {{ due }}<br>Currency: {{ currency }}<br>
Service period: {{ period_start }} – {{ period_end }}</p>
<table><thead><tr><th>#</th><th>Description</th><th class=n>Qty</th><th class=n>Amount</th>
</tr></thead><tbody>
{% for line in lines %}<tr><td>{{ line.no }}</td><td>{{ line.description }}<br>
<small>{{ line.code }} · {{ line.start }} – {{ line.end }}</small></td>
<td class=n>{{ line.quantity }}</td><td class=n>{{ line.amount }}</td></tr>
{% endfor %}</tbody><tfoot>
<tr><td></td><td>Subtotal</td><td></td><td class=n>{{ subtotal }}</td></tr>
<tr><td></td><td>{{ tax_label }}</td><td></td>
<td class=n>{{ tax_total }}</td></tr>
<tr><td></td><th>Total</th><td></td><th class=n>{{ total }}</th></tr>
</tfoot></table>
</body></html>
"""
)


def invoice_html(invoice: dict[str, Any], issuer: str) -> str:
    """The invoice as a self-contained printable HTML page."""
    cur = invoice["currency"]
    issued, due = _dates(invoice)
    lines = [
        {
            "no": line["line_no"],
            "description": line["description"],
            "code": line["product_code"],
            "start": line["period_start"],
            "end": line["period_end"],
            "quantity": _quantity(line),
            "amount": _money(line["amount"], cur),
        }
        for line in invoice["lines"]
    ]
    return _INVOICE_HTML.render(
        title=_title(invoice),
        status=invoice["status"].upper(),
        issuer=issuer,
        customer=invoice["customer_name"],
        account=invoice["account_id"],
        issued=issued,
        due=due,
        currency=cur,
        period_start=invoice["period_start"],
        period_end=invoice["period_end"],
        lines=lines,
        subtotal=_money(invoice["subtotal"], cur),
        tax_label=_tax_label(invoice),
        tax_total=_money(invoice["tax_total"], cur),
        total=_money(invoice["total"], cur),
    )
