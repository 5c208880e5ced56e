"""Forecast accuracy through the running deal-svc and the `l2c forecast` command: a clock move
wakes the daily snapshot job, the month gets its call, and the command shows what the API
answers. (The amounts are hand-computed in services/deal-svc/tests/test_forecast_snapshots_db.py;
here, the weighted forecast of the one deal this test opens.)"""

from __future__ import annotations

import calendar
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from l2c_platform.journey import eventually
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.testing import run_l2c
from l2c_platform.tokens import operator_client
from l2c_runtime.clock_follower import advance_platform_clock

from .test_deal_renewals import qualified_deal

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def test_the_month_gets_a_call_and_l2c_forecast_shows_it(
    platform: Platform, infra: Infrastructure
) -> None:
    base = platform.config.base_url("deal-svc")
    deal = await qualified_deal(platform, "Forecast Engines Ltd")
    owner = f"fay-{uuid4().hex[:6]}"
    async with operator_client(base_url=base) as client:
        now = datetime.fromisoformat((await client.get("/clock")).json()["now"])
        month = f"{now:%Y-%m}"
        last_day = now.date().replace(day=calendar.monthrange(now.year, now.month)[1])
        opened = await client.post(
            "/opportunities",
            json={
                "account_id": deal["account_id"],
                "name": "Forecast Engines — more seats",
                "amount": {"amount": "2450.00", "currency": "EUR"},
                "expected_close_date": last_day.isoformat(),
                "owner": owner,
            },
        )
        assert opened.status_code == 201, opened.text
        probability = opened.json()["probability"]
    await advance_platform_clock(infra.kafka_bootstrap, timedelta(minutes=1))  # wakes the job

    async def called() -> dict[str, Any] | None:
        async with operator_client(base_url=base) as client:
            answer = await client.get(
                "/forecast/accuracy", params={"period": month, "group_by": "owner"}
            )
        body: dict[str, Any] = answer.json()
        return body if answer.status_code == 200 and body["called_on"] else None

    answer = await eventually(called, "the month's first forecast snapshot", timeout=60)
    assert answer["called_on"].startswith(month)
    ours = [g for g in answer["groups"] if g["key"] == owner]
    if answer["called_on"] == f"{now:%Y-%m-%d}" and ours:
        # a call taken after the deal was opened: 2450.00 × its stage's probability, nothing won
        expected = (Decimal("2450.00") * probability / 100).quantize(Decimal("0.01"))
        assert ours[0]["weighted_forecast"] == {"amount": str(expected), "currency": "EUR"}
        assert ours[0]["actual"]["amount"] == "0.00"

    done = await run_l2c("forecast", month, "--url", base, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == answer
