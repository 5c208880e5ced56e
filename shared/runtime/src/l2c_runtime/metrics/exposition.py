"""`GET /metrics` and the HTTP request metrics of a service's API.

`/metrics` needs no token, like `/health/*`: Prometheus scrapes with no credentials, and
what it shows are counts and latencies, no business records or identifiers. It is meant
to be reached on the cluster network only (see docs/operations.md): do not route it through
the public ingress.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from l2c_runtime.metrics import ServiceMetrics

UNMATCHED = "unmatched"
"""The route label of a request no route matched (404s of random paths stay one series)."""


def install_metrics(app: Starlette, metrics: ServiceMetrics) -> None:
    """Serve `GET /metrics` and measure every request, outermost (so a request refused by
    another middleware, e.g. a body over its limit, is counted too)."""

    async def exposition(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", exposition, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)  # type: ignore[arg-type]


def route_template(scope: Scope) -> str:
    """The template of the route that matched (`/leads/{lead_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started answers 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = _method(scope)
        route = route_template(scope)
        self.metrics.http_requests.labels(method, route, str(status)).inc()
        self.metrics.http_seconds.labels(method, route).observe(seconds)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(scope: dict[str, Any] | Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "OTHER"
