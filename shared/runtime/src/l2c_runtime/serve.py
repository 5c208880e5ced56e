"""`l2c-serve <package>` runs one service: `l2c-serve lead_svc`."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

import uvicorn

from l2c_runtime.migrations import upgrade_to_head, wait_until_current
from l2c_runtime.settings import ServiceSettings


def settle_collector() -> None:
    """Call once the process has built what lives as long as it does (modules, the app):
    keep those out of the collector's scans, and collect the young generation less often (a
    service allocates many short-lived objects per event; the default threshold of 700 scans
    constantly)."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run an L2C service.")
    parser.add_argument("package", help="the service's Python package, e.g. billing_svc")
    parser.add_argument(
        "--migrate-only",
        action="store_true",
        help="bring the service's database schema to the newest version, then exit "
        "(a deployment's migration job; the replicas then run with L2C_MIGRATE_ON_START=false)",
    )
    parser.add_argument(
        "--wait-for-schema",
        type=float,
        metavar="SECONDS",
        help="wait up to SECONDS until the database schema is at this code's newest version "
        "(the migration job's work), then exit 0, or 1 if it is not by then (a pod's init "
        "container: a new version never serves on the schema of the old one)",
    )
    args = parser.parse_args()
    module = importlib.import_module(f"{args.package}.app")
    settings = ServiceSettings()
    if args.migrate_only:
        upgrade_to_head(module.definition.migrations, settings.database_url)
        return
    if args.wait_for_schema is not None:
        migrations = module.definition.migrations
        current = wait_until_current(migrations, settings.database_url, args.wait_for_schema)
        if not current:
            print(f"the schema is not at {migrations}'s newest revision", file=sys.stderr)
        sys.exit(0 if current else 1)
    app = module.create_app(settings)
    settle_collector()
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )


if __name__ == "__main__":
    main()
