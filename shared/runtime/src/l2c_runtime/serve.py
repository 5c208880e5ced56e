"""`l2c-serve <package>` runs one service: `l2c-serve lead_svc`."""

from __future__ import annotations

import argparse
import importlib

import uvicorn

from l2c_runtime.settings import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description="Run an L2C service.")
    parser.add_argument("package", help="the service's Python package, e.g. billing_svc")
    args = parser.parse_args()
    module = importlib.import_module(f"{args.package}.app")
    settings = ServiceSettings()
    app = module.create_app(settings)
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )


if __name__ == "__main__":
    main()
