"""The invoice document a customer receives: the same content as printable HTML and as a PDF
of text lines (written by l2c_documents, no PDF library). A draft shows as a draft: it has no
number and no dates until it is issued."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from l2c_documents import text_pdf
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
    """The invoice as a PDF (A4, Helvetica)."""
    return text_pdf(invoice_text_lines(invoice, issuer))


def invoice_html(invoice: dict[str, Any], issuer: str) -> str:
    """The invoice as a self-contained printable HTML page."""
    cur = invoice["currency"]
    issued, due = _dates(invoice)
    rows = "\n".join(
        "<tr><td>{no}</td><td>{desc}<br><small>{code} · {start} – {end}</small></td>"
        "<td class=n>{qty}</td><td class=n>{amount}</td></tr>".format(
            no=line["line_no"],
            desc=escape(line["description"]),
            code=escape(line["product_code"]),
            start=line["period_start"],
            end=line["period_end"],
            qty=_quantity(line),
            amount=_money(line["amount"], cur),
        )
        for line in invoice["lines"]
    )
    title = escape(_title(invoice))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ccc; padding: .4em; text-align: left; }}
.n {{ text-align: right; }} .status {{ font-weight: bold; }}
</style></head><body>
<h1>{title}</h1>
<p class="status">{invoice["status"].upper()}</p>
<p>From: {escape(issuer)}</p>
<p>Bill to: <strong>{escape(invoice["customer_name"])}</strong><br>
Account {invoice["account_id"]}</p>
<p>Issue date: {issued}<br>Due date: {due}<br>Currency: {cur}<br>
Service period: {invoice["period_start"]} – {invoice["period_end"]}</p>
<table><thead><tr><th>#</th><th>Description</th><th class=n>Qty</th><th class=n>Amount</th>
</tr></thead><tbody>
{rows}
</tbody><tfoot>
<tr><td></td><td>Subtotal</td><td></td><td class=n>{_money(invoice["subtotal"], cur)}</td></tr>
<tr><td></td><td>{escape(_tax_label(invoice))}</td><td></td>
<td class=n>{_money(invoice["tax_total"], cur)}</td></tr>
<tr><td></td><th>Total</th><td></td><th class=n>{_money(invoice["total"], cur)}</th></tr>
</tfoot></table>
</body></html>
"""
