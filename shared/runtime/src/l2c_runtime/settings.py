"""Service settings from the environment (12-factor). Every service reads the same names."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every L2C service understands.

    `DATABASE_URL` is the service's own database (SQLAlchemy URL with the asyncpg driver),
    `KAFKA_BOOTSTRAP` the broker list, `HTTP_PORT` where the API listens.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    service_name: str = Field(default="l2c", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = Field(
        default="postgresql+asyncpg://l2c:l2c@127.0.0.1:5432/l2c", validation_alias="DATABASE_URL"
    )
    consumer_group: str | None = Field(default=None, validation_alias="L2C_CONSUMER_GROUP")
    """Kafka consumer group; defaults to the service name. Two deployments that must not share
    work (a demo and a test run on one broker) use different groups."""
    kafka_bootstrap: str = Field(default="127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP")
    http_host: str = Field(default="127.0.0.1", validation_alias="HTTP_HOST")
    http_port: int = Field(default=8000, validation_alias="HTTP_PORT")
    topic_partitions: int = Field(default=6, validation_alias="L2C_TOPIC_PARTITIONS")
    span_file: str | None = Field(default=None, validation_alias="L2C_SPAN_FILE")
    """Test mode: also write every finished span as one JSON line to this file."""
    migrate_on_start: bool = Field(default=True, validation_alias="L2C_MIGRATE_ON_START")
    consume_batch_size: int = Field(default=1000, validation_alias="L2C_CONSUME_BATCH_SIZE")
    """Records handled per transaction (one inbox insert, one commit, one offset commit)."""
    fetch_bytes_per_partition: int = Field(
        default=8 * 1024 * 1024, ge=1024, validation_alias="L2C_FETCH_BYTES_PER_PARTITION"
    )
    """How much one fetch may bring of a partition (Kafka's max.partition.fetch.bytes). At
    the client's 1 MiB a consumer of small records waited on the next fetch a third of the
    time; 8 MiB took usage ingestion from 19-24k to 20-37k events/s (bench/README.md)."""
    dead_letter_max_bytes: int = Field(
        default=1_000_000, ge=64 * 1024, validation_alias="L2C_DEAD_LETTER_MAX_BYTES"
    )
    """The largest dead-letter copy sent whole (key, body and headers; Kafka takes about 1 MiB
    a record by default). A larger one keeps its headers and a truncated body on the
    dead-letter topic, and the full record is stored in the service's `dead_letter` table."""
    consumers: int = Field(default=1, ge=1, validation_alias="L2C_CONSUMERS_PER_TOPIC")
    """Consumers of each topic in this process (each takes a share of the partitions)."""
    relay_inline: bool = Field(default=True, validation_alias="L2C_RELAY_INLINE")
    """False: this process does not publish its outbox; `l2c-relay <package>` runs beside
    the replicas as its own process (consumers busy with a poll starve an inline relay)."""
    relay_batch_size: int = Field(default=500, validation_alias="L2C_RELAY_BATCH_SIZE")
    relay_poll_seconds: float = Field(default=1.0, validation_alias="L2C_RELAY_POLL_SECONDS")
    relay_publish_timeout_seconds: float = Field(
        default=15.0, gt=0, validation_alias="L2C_RELAY_PUBLISH_TIMEOUT_SECONDS"
    )
    """How long the relay waits for the broker to acknowledge a batch before it gives up on
    it (the rows stay pending) and tries again. Also bounds how long a stopping relay drains."""
    relay_lease_seconds: float = Field(
        default=5.0, gt=0, validation_alias="L2C_RELAY_LEASE_SECONDS"
    )
    """A relay that stops renewing its claim (paused, cut off) loses it after this long and
    another replica's relay takes over."""
    outbox_retention_hours: float = Field(
        default=168.0, ge=0, validation_alias="L2C_OUTBOX_RETENTION_HOURS"
    )
    """Sent outbox rows are kept this long (to see what was published when), then pruned."""
    inbox_retention_hours: float = Field(
        default=720.0, ge=0, validation_alias="L2C_INBOX_RETENTION_HOURS"
    )
    """Inbox rows (event ids already handled) are kept this long: longer than the topics'
    retention, so a redelivery is always recognised."""
    prune_interval_seconds: float = Field(
        default=60.0, gt=0, validation_alias="L2C_PRUNE_INTERVAL_SECONDS"
    )
    prune_batch_rows: int = Field(default=5000, ge=1, validation_alias="L2C_PRUNE_BATCH_ROWS")
    """Rows deleted per transaction by retention, which loops until it has caught up."""
    metrics_sample_seconds: float = Field(
        default=15.0, gt=0, validation_alias="L2C_METRICS_SAMPLE_SECONDS"
    )
    """How often the gauges that need a database query (outbox backlog and age, parked rows,
    table sizes) and consumer lag are refreshed; a scrape reads the last sample."""
    metrics_port: int = Field(default=9464, ge=0, le=65535, validation_alias="L2C_METRICS_PORT")
    """Where `l2c-relay` serves `/metrics` (on HTTP_HOST); 0 turns its listener off. A
    service replica serves `/metrics` on its API port."""
    db_pool_size: int = Field(default=10, validation_alias="L2C_DB_POOL_SIZE")
    log_level: str = Field(default="INFO", validation_alias="L2C_LOG_LEVEL")
    clock: Literal["system", "simulated"] = Field(default="system", validation_alias="L2C_CLOCK")
    """`simulated` (dev/test only): follow the platform clock topic, so time can be advanced."""
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, validation_alias="L2C_MAX_BODY_BYTES")
    """The largest HTTP request body (413 beyond); a service may allow more on a bulk path."""
    max_event_bytes: int = Field(
        default=1_000_000, ge=1024, le=1_048_576, validation_alias="L2C_MAX_EVENT_BYTES"
    )
    """The largest Kafka record an event may make (key, value, headers): an event beyond it
    is refused when emitted, and its transaction rolls back."""
    idempotency_retention_hours: int = Field(
        default=24, ge=24, validation_alias="L2C_IDEMPOTENCY_RETENTION_HOURS"
    )
    """How long an `Idempotency-Key` and its answer are kept (at least a day)."""
    idempotency_claim_seconds: float = Field(
        default=60.0, ge=1.0, le=3600.0, validation_alias="L2C_IDEMPOTENCY_CLAIM_SECONDS"
    )
    """A key whose request never answered (its process died) is taken over by a retry after
    this long; shorter than the slowest request runs it twice."""
    oidc_issuer: str | None = Field(default=None, validation_alias="L2C_OIDC_ISSUER")
    """Issuer of the bearer tokens (OpenID Connect discovery at
    `<issuer>/.well-known/openid-configuration`). Unset: every protected route answers 401."""
    oidc_discovery_url: str | None = Field(default=None, validation_alias="L2C_OIDC_DISCOVERY_URL")
    """Where to fetch the discovery document when the issuer's own URL is not reachable from
    the service (e.g. inside Docker); its `issuer` must still equal L2C_OIDC_ISSUER."""
    oidc_audience: str = Field(default="l2c", validation_alias="L2C_OIDC_AUDIENCE")
    oidc_subject_claim: str = Field(default="sub", validation_alias="L2C_OIDC_SUBJECT_CLAIM")
    """Dotted path of the caller's id: what owners, approvers and the audit trail record
    (e.g. `preferred_username` when reps are routed leads by user name)."""
    oidc_roles_claim: str = Field(default="roles", validation_alias="L2C_OIDC_ROLES_CLAIM")
    """Dotted path of the roles in a token, e.g. `realm_access.roles` for Keycloak."""
    oidc_team_claim: str = Field(default="team", validation_alias="L2C_OIDC_TEAM_CLAIM")
    """Dotted path of the caller's team (a string or a list of teams)."""
    oidc_algorithms: str = Field(
        default="RS256,PS256,ES256", validation_alias="L2C_OIDC_ALGORITHMS"
    )
    """Signature algorithms accepted (asymmetric only: `none` and HS* are refused)."""
    oidc_jwks_min_refresh_seconds: float = Field(
        default=10.0, ge=0, validation_alias="L2C_OIDC_JWKS_MIN_REFRESH_SECONDS"
    )
    """At most one JWKS fetch per this interval when a token names an unknown key id."""
    oidc_jwks_max_age_seconds: float = Field(
        default=300.0, gt=0, validation_alias="L2C_OIDC_JWKS_MAX_AGE_SECONDS"
    )
    """The JWKS is fetched again after this long, so a removed key stops being accepted."""
    crash_point: str | None = Field(default=None, validation_alias="L2C_CRASH_POINT")
    """Test-only fault injection: kill the process at a named point (see runtime.faults)."""
