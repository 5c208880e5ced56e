"""`l2c-clock`: show or advance the platform's simulated clock (services run with
L2C_CLOCK=simulated). `l2c-clock advance --days 90` runs three months of billing cycles,
SLA timers, quote expiries and dunning steps within seconds."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime, timedelta

from l2c_runtime.clock_follower import advance_platform_clock, current_offset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="print the simulated time and its offset")
    advance = sub.add_parser("advance", help="move simulated time forward")
    advance.add_argument("--days", type=float, default=0)
    advance.add_argument("--hours", type=float, default=0)
    advance.add_argument("--minutes", type=float, default=0)
    args = parser.parse_args()
    if args.command == "advance":
        delta = timedelta(days=args.days, hours=args.hours, minutes=args.minutes)
        offset = asyncio.run(advance_platform_clock(args.bootstrap, delta))
    else:
        offset = asyncio.run(current_offset(args.bootstrap))
    print(f"simulated now {(datetime.now(UTC) + offset).isoformat()} (offset {offset})")


if __name__ == "__main__":
    main()
