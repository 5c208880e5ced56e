"""Bootstrap of one service process: HTTP API, Kafka consumers, outbox relay, background jobs.

A service declares what it is (`ServiceDefinition`); `create_app` wires it to the database,
the broker and telemetry from `ServiceSettings`. Nothing here is module-level state.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from l2c_runtime import faults
from l2c_runtime.audit_api import audit_router
from l2c_runtime.auth import install_authentication, require
from l2c_runtime.auth.guard import verified_subject
from l2c_runtime.clock import Clock, SimulatedClock, SystemClock
from l2c_runtime.clock_follower import catch_up, follow_clock
from l2c_runtime.components import BackgroundTasks, Component, InlineRelay, TaskFactory, started
from l2c_runtime.consumer import EventHandlers, EventProcessor
from l2c_runtime.consumer_loop import ConsumerLoop
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.dead_letters import DeadLetters
from l2c_runtime.errors import Conflict, Forbidden, NotFound, RuleViolation
from l2c_runtime.housekeeping import prune_messaging_tables
from l2c_runtime.http.body_limit import BodyLimitMiddleware
from l2c_runtime.http.idempotency import (
    CallerOf,
    IdempotencyMiddleware,
    anonymous,
    prune_idempotency_keys,
)
from l2c_runtime.http.openapi import document_common_answers
from l2c_runtime.jobs import periodic
from l2c_runtime.kafka_client import faststream_security
from l2c_runtime.metrics import ServiceMetrics
from l2c_runtime.metrics.exposition import install_metrics
from l2c_runtime.metrics.sampler import sample_forever
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.telemetry import setup_logging, setup_tracing
from l2c_runtime.topics import ensure_topics
from l2c_runtime.unit_of_work import EventTooLarge, unit_of_work_factory
from l2c_schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What handlers and routes of a running service may use."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    broker: KafkaBroker
    unit_of_work: Callable[[], Any]
    metrics: ServiceMetrics


Job = Callable[[Runtime], Coroutine[Any, Any, None]]


@dataclass
class ServiceDefinition:
    name: str
    """Service name, e.g. `billing-svc`: consumer group, CloudEvents source, span resource."""
    migrations: Path
    handlers: EventHandlers = field(default_factory=EventHandlers)
    routers: Sequence[APIRouter] = ()
    produces: Sequence[str] = ()
    jobs: Sequence[Job] = ()
    """Long-running background loops (schedulers); each replica runs them, so they claim work
    with FOR UPDATE SKIP LOCKED."""
    title: str = ""
    description: str = ""
    body_limits: Mapping[str, int] = field(default_factory=dict)
    """Request body limits above `L2C_MAX_BODY_BYTES` for paths starting with a key (bulk)."""

    def provisioned_topics(self) -> list[str]:
        """The topics the service makes sure exist before it starts: those it writes, those
        it reads and their dead-letter topics (brokers run with auto-create off)."""
        consumed = self.handlers.topics
        return sorted({*self.produces, *consumed, *(dead_letter_topic(t) for t in consumed)})


def runtime_of(request: Request) -> Runtime:
    """FastAPI dependency: the runtime of the service handling the request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def create_app(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or ServiceSettings()
    if settings.service_name == "l2c":
        settings = settings.model_copy(update={"service_name": definition.name})
    setup_logging(settings.service_name, settings.log_level)
    provider = setup_tracing(settings.service_name, settings.span_file)
    faults.arm(settings.crash_point)
    if clock is None:
        clock = SimulatedClock() if settings.clock == "simulated" else SystemClock()
    source = f"/l2c/{definition.name}"

    engine = create_engine(settings.database_url, settings.db_pool_size)
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, tracer_provider=provider)
    sessions = session_factory(engine)
    metrics = ServiceMetrics()
    uow = unit_of_work_factory(
        sessions, clock, source, settings.max_event_bytes, on_commit=metrics.business.count
    )
    broker = KafkaBroker(
        settings.kafka_bootstrap,
        client_id=definition.name,
        security=faststream_security(),
        enable_idempotence=True,
        acks="all",
        allow_auto_create_topics=False,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=provider)],
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,  # per-message lines; failures still log as errors
    )
    runtime = Runtime(settings, engine, sessions, clock, broker, uow, metrics)

    group = settings.consumer_group or definition.name

    async def publish(value: bytes, topic: str, key: bytes | None, headers: dict[str, str]) -> None:
        await broker.publish(value, topic, key=key, headers=headers)

    dead_letter = DeadLetters(group, publish, engine, clock.now, settings.dead_letter_max_bytes)
    processor = EventProcessor(group, definition.handlers, uow, dead_letter, metrics)
    consumer_loop = ConsumerLoop(processor)
    consumer_loop.subscribe(broker, definition.handlers.topics, group, settings)

    def background_tasks() -> BackgroundTasks:
        jobs = [*definition.jobs, prune_messaging_tables, _prune_idempotency_keys]
        factories: list[TaskFactory] = [
            (job.__name__, functools.partial(job, runtime)) for job in jobs
        ]
        if isinstance(clock, SimulatedClock):
            follower = functools.partial(follow_clock, settings.kafka_bootstrap, clock)
            factories.append(("clock-follower", follower))
        sampling = functools.partial(
            sample_forever,
            metrics,
            engine,
            clock,
            settings.metrics_sample_seconds,
            group,
            lambda: _consumers_of(broker),
        )
        factories.append(("metrics-sampler", sampling))
        return BackgroundTasks(factories)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(upgrade_to_head, definition.migrations, settings.database_url)
        await ensure_topics(
            settings.kafka_bootstrap, definition.provisioned_topics(), settings.topic_partitions
        )
        if isinstance(clock, SimulatedClock):
            await catch_up(settings.kafka_bootstrap, clock)
        # Started in this order, stopped in the reverse one (l2c_runtime.components).
        components: list[Component] = [broker, consumer_loop]
        if settings.relay_inline:  # else `l2c-relay <package>` publishes the outbox
            relay_name = f"{definition.name}-relay"
            components.append(InlineRelay(engine, settings, clock, relay_name, metrics))
        components.append(background_tasks())
        try:
            async with started(components):
                log.info("%s started", definition.name)
                yield
        finally:
            await engine.dispose()
            await authenticator.close()
            provider.shutdown()

    app = FastAPI(
        title=definition.title or definition.name,
        description=definition.description,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.processor = processor
    _add_error_handlers(app)
    authenticator = install_authentication(app, settings)
    app.include_router(_health_router())
    app.include_router(audit_router())
    for router in definition.routers:
        app.include_router(router)
    add_request_guards(
        app,
        settings.max_body_bytes,
        definition.body_limits,
        caller_of=verified_subject,
        claim_timeout=timedelta(seconds=settings.idempotency_claim_seconds),
    )
    install_metrics(app, metrics)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    return app


def add_request_guards(
    app: FastAPI,
    max_body_bytes: int,
    body_limits: Mapping[str, int] | None = None,
    caller_of: CallerOf = anonymous,
    claim_timeout: timedelta = timedelta(seconds=60),
) -> None:
    """What every service's API has in front of its routes: the body limit (outermost, so
    nothing reads a body beyond it), then idempotency keys on POST, scoped to `caller_of`
    the request (its authenticated subject, once the API authenticates), a key left claimed
    by a dead process taken over after `claim_timeout`; and an OpenAPI that documents both.
    The app's `state.runtime` gives the database."""
    app.add_middleware(
        IdempotencyMiddleware,  # type: ignore[arg-type]
        engine_of=lambda scope: runtime_of_app(scope["app"]).engine,
        caller_of=caller_of,
        claim_timeout=claim_timeout,
    )
    app.add_middleware(
        BodyLimitMiddleware,  # type: ignore[arg-type]
        limit=max_body_bytes,
        per_path=body_limits,
    )
    document_common_answers(app)


def _consumers_of(broker: KafkaBroker) -> list[Any]:
    """The aiokafka consumers of the broker's started subscribers (their lag is sampled)."""
    found = (getattr(subscriber, "consumer", None) for subscriber in broker.subscribers)
    return [consumer for consumer in found if consumer is not None]


def runtime_of_app(app: Any) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


@periodic(3600.0)
async def _prune_idempotency_keys(runtime: Runtime) -> None:
    retention = timedelta(hours=runtime.settings.idempotency_retention_hours)
    await prune_idempotency_keys(runtime.engine, retention)


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/clock", dependencies=[require("clock:read")])
    async def current_time(request: Request) -> dict[str, str]:
        """This service's notion of now (simulated in dev/test when L2C_CLOCK=simulated)."""
        clock = runtime_of(request).clock
        mode = "simulated" if isinstance(clock, SimulatedClock) else "system"
        return {"now": clock.now().isoformat(), "mode": mode}

    @router.get("/health/consumer")
    async def consumer_counts(request: Request) -> dict[str, dict[str, int]]:
        """Events this service's consumer passed over, by type (not handled here)."""
        processor: EventProcessor = request.app.state.processor
        return {"passed_over": dict(processor.passed_over)}

    @router.get("/health/ready")
    async def ready(request: Request, response: Response) -> dict[str, str]:
        runtime = runtime_of(request)
        checks = {}
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {exc.__class__.__name__}"
        checks["kafka"] = "ok" if await runtime.broker.ping(timeout=2.0) else "down"
        if any(v != "ok" for v in checks.values()):
            response.status_code = 503
        return checks

    return router


def _add_error_handlers(app: FastAPI) -> None:
    async def rule_violation(request: Request, exc: Exception) -> JSONResponse:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        code = 403 if isinstance(exc, Forbidden) else code
        if isinstance(exc, EventTooLarge):
            code = 413
        return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=code)

    app.add_exception_handler(RuleViolation, rule_violation)
