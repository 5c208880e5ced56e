"""deal-svc's scheduled work: a daily snapshot of the forecast, the ground of forecast
accuracy, on the platform clock (a simulated clock's moves wake it at once)."""

from __future__ import annotations

from datetime import UTC

from deal_svc.adapters import queries
from deal_svc.domain.forecast import parse_period, snapshot
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime


async def take_snapshots(runtime: Runtime) -> None:
    """Once a day of platform time: the forecast of the current month and of the current
    quarter, per owner, team and currency. Replicas may both try; the first one's stays."""
    now = runtime.clock.now()
    today = now.astimezone(UTC).date()
    for label in (f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}"):
        period = parse_period(label)
        async with runtime.unit_of_work() as uow:
            if await queries.snapshot_taken(uow, label, today):
                continue
            deals = await queries.forecast_deals(uow, period)
            await queries.save_snapshot(uow, label, today, snapshot(deals, period, today), now)


snapshot_forecasts = periodic(300.0)(take_snapshots)
