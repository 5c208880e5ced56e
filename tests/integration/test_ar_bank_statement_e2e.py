"""Bank statements through ar-svc running as a process: `l2c statements import` uploads a CSV
statement twice (the second time every line is a duplicate and the books do not move), the
report route and `l2c statements report`, who may import, refused files, and the audit trail.

Figures by hand: the account owes A 300.00 and B 120.00. The statement pays A exactly
(quoting it), B 200.00 (quoting it: 120.00 pays B, 80.00 stays unapplied), and has a fee
(debit, ignored) and 50.00 from a stranger (unmatched) that finance then assigns to the
account: balance 420.00 − 300.00 − 200.00 − 50.00 = −130.00, unapplied 80.00 + 50.00."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish_message
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import bearer, mint_token, operator_client

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def l2c(*args: str) -> Any:
    """`l2c statements …` as a person runs it, as finance, answering JSON."""
    env = os.environ | {"L2C_TOKEN": mint_token(["finance"], "fiona")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "l2c"), *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_a_statement_imported_twice_through_the_cli_moves_the_books_once(
    platform: Platform, infra: Infrastructure, tmp_path: Path
) -> None:
    ar = platform.config.base_url("ar-svc")
    account, tag = uuid4(), uuid4().hex[:8]
    async with operator_client(timeout=30) as client:
        # Issued on the platform's (possibly simulated) today: current, never dunned here.
        today = datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"]).date()
    a = invoice_issued(account, "300.00", today, number=f"SA-{tag}-1")
    b = invoice_issued(account, "120.00", today + timedelta(days=1), number=f"SA-{tag}-2")
    await publish_message(infra.kafka_bootstrap, a)
    await publish_message(infra.kafka_bootstrap, b)
    statement_id = f"E2E-{tag}"
    csv = tmp_path / "statement.csv"
    csv.write_text(
        "statement_id,entry_reference,booking_date,amount,currency,payer_name,payer_account,"
        "reference\n"
        f"{statement_id},1,2026-11-30,300.00,EUR,Ada,DE89370400440532013000,{a.invoice_number}\n"
        f"{statement_id},2,2026-11-30,200.00,EUR,Ada,DE89370400440532013000,{b.invoice_number}\n"
        f"{statement_id},3,2026-11-30,-4.50,EUR,,,fee\n"
        f"{statement_id},4,2026-11-30,50.00,EUR,Zed,NL91ABNA0417164300,thanks\n"
    )
    async with operator_client(timeout=30) as client:

        async def both_open() -> bool | None:
            r = await client.get(f"{ar}/accounts/{account}/balance")
            return True if r.status_code == 200 and len(r.json()["invoices"]) == 2 else None

        await eventually(both_open, "both receivables", timeout=30)
        url = ["--url", ar]
        first = l2c("statements", "import", str(csv), *url)
        assert (first["lines"], first["duplicates"], first["imported"]) == (
            4,
            0,
            {"matched": 1, "partly_matched": 1, "ignored": 1, "unmatched": 1},
        )
        finance = bearer(["finance"], "fiona")
        assigned = await client.post(
            f"{ar}/bank-statements/{statement_id}/assign",
            json={"entry_reference": "4", "account_id": str(account)},
            headers=finance,
        )
        assert assigned.status_code == 200, assigned.text
        assert (assigned.json()["status"], assigned.json()["unapplied"]) == ("unmatched", "50.00")
        second = l2c("statements", "import", str(csv), *url)
        assert (second["duplicates"], second["imported"]) == (4, {})

        balance = (await client.get(f"{ar}/accounts/{account}/balance")).json()
        assert (balance["balance"], balance["unapplied_cash"]) == ("-130.00", "130.00")
        assert sorted((i["invoice_number"], i["status"]) for i in balance["invoices"]) == [
            (a.invoice_number, "paid"),
            (b.invoice_number, "paid"),
        ]

        report = l2c("statements", "report", statement_id, "--status", "partly_matched", *url)
        assert report["totals"]["partly_matched"] == {
            "lines": 1,
            "amount": "200.00",
            "applied": "120.00",
            "unapplied": "80.00",
        }
        assert [(x["entry_reference"], x["invoice_balance"]) for x in report["lines"]] == [
            ("2", "0.00")
        ]

        sales = bearer(["sales_rep"], "sam")
        refused = await client.post(
            f"{ar}/bank-statements", content=csv.read_bytes(), headers=sales
        )
        assert refused.status_code == 403 and refused.json()["scope"] == "statements:import"
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaa">]>'
            b"<Document><BkToCstmrStmt><Stmt><Id>&a;</Id></Stmt></BkToCstmrStmt></Document>"
        )
        r = await client.post(f"{ar}/bank-statements", content=bomb, headers=finance)
        assert r.status_code == 422 and "refused XML" in r.json()["detail"]
        r = await client.post(f"{ar}/bank-statements", content=b"x,y\n1,2\n", headers=finance)
        assert r.status_code == 422 and "header lacks" in r.json()["detail"]

        trail = await client.get(
            f"{ar}/audit",
            params={"entity_id": statement_id},
            headers=bearer(["auditor"], "audrey"),
        )
        entries = trail.json()["items"]
        assert [(e["action"], e["actor"]) for e in entries] == [
            ("bank_statement.import", "fiona"),
            ("bank_statement.assign", "fiona"),
            ("bank_statement.import", "fiona"),
        ]
        assert entries[0]["details"]["imported"] == {}  # newest first: the re-import
