"""The invoice document a customer receives, as self-contained printable HTML (the browser's
"print to PDF" makes the PDF; no PDF library is needed)."""

from __future__ import annotations

from html import escape
from typing import Any


def _money(amount: Any, currency: str) -> str:
    return f"{format(amount, ',.2f')} {currency}"


def invoice_html(invoice: dict[str, Any]) -> str:
    """HTML of one invoice (a row of list_invoices with its lines)."""
    cur = invoice["currency"]
    rows = "\n".join(
        "<tr><td>{no}</td><td>{desc}<br><small>{code} · {start} – {end}</small></td>"
        "<td class=n>{qty}</td><td class=n>{amount}</td></tr>".format(
            no=line["line_no"],
            desc=escape(line["description"]),
            code=escape(line["product_code"]),
            start=line["period_start"],
            end=line["period_end"],
            qty=format(line["quantity"].normalize(), "f"),
            amount=_money(line["amount"], cur),
        )
        for line in invoice["lines"]
    )
    status = invoice["status"].upper()
    tax_label = (
        f"Tax {escape(invoice['tax_jurisdiction'])} {format(invoice['tax_rate'] * 100, 'f')} %"
        if invoice.get("tax_jurisdiction")
        else "Tax"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Invoice {escape(invoice["invoice_number"])}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ccc; padding: .4em; text-align: left; }}
.n {{ text-align: right; }} .status {{ font-weight: bold; }}
</style></head><body>
<h1>Invoice {escape(invoice["invoice_number"])}</h1>
<p class="status">{status}</p>
<p>Bill to: <strong>{escape(invoice["customer_name"])}</strong><br>
Account {invoice["account_id"]}</p>
<p>Issue date: {invoice["issue_date"]}<br>Due date: {invoice["due_date"]}<br>
Service period: {invoice["period_start"]} – {invoice["period_end"]}</p>
<table><thead><tr><th>#</th><th>Description</th><th class=n>Qty</th><th class=n>Amount</th>
</tr></thead><tbody>
{rows}
</tbody><tfoot>
<tr><td></td><td>Subtotal</td><td></td><td class=n>{_money(invoice["subtotal"], cur)}</td></tr>
<tr><td></td><td>{tax_label}</td><td></td><td class=n>{_money(invoice["tax_total"], cur)}</td></tr>
<tr><td></td><th>Total</th><td></td><th class=n>{_money(invoice["total"], cur)}</th></tr>
</tfoot></table>
</body></html>
"""
