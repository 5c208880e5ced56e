"""How every Kafka client of L2C connects: security settings from the environment.

One place for services, the relay, the launcher, the CLI, the tools, benchmarks and tests:

- `KAFKA_SECURITY_PROTOCOL`: `PLAINTEXT`, `SASL_PLAINTEXT`, `SASL_SSL` or `SSL`. By default
  `SASL_PLAINTEXT` when a username is set (`SASL_SSL` with a CA file), else `PLAINTEXT`.
- `KAFKA_SASL_MECHANISM`: `SCRAM-SHA-512` (default), `SCRAM-SHA-256` or `PLAIN`.
- `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`: the principal this process acts as.
- `KAFKA_SSL_CAFILE`: the CA bundle that signed the broker's certificate (TLS listeners).
"""

from __future__ import annotations

import ssl
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Protocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class KafkaClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    security_protocol: Protocol | None = Field(
        default=None, validation_alias="KAFKA_SECURITY_PROTOCOL"
    )
    sasl_mechanism: Mechanism = Field(
        default="SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM"
    )
    sasl_username: str | None = Field(default=None, validation_alias="KAFKA_SASL_USERNAME")
    sasl_password: str | None = Field(default=None, validation_alias="KAFKA_SASL_PASSWORD")
    ssl_cafile: str | None = Field(default=None, validation_alias="KAFKA_SSL_CAFILE")

    @model_validator(mode="after")
    def _consistent(self) -> KafkaClientSettings:
        if self.protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        return self

    @property
    def protocol(self) -> Protocol:
        if self.security_protocol is not None:
            return self.security_protocol
        if self.sasl_username:
            return "SASL_SSL" if self.ssl_cafile else "SASL_PLAINTEXT"
        return "SSL" if self.ssl_cafile else "PLAINTEXT"

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.protocol.endswith("SSL"):
            return None
        context: ssl.SSLContext = create_ssl_context(cafile=self.ssl_cafile)
        return context


def kafka_client_options(settings: KafkaClientSettings | None = None) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    settings = settings or KafkaClientSettings()
    options: dict[str, Any] = {"security_protocol": settings.protocol}
    context = settings.ssl_context()
    if context is not None:
        options["ssl_context"] = context
    if settings.protocol.startswith("SASL"):
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_password,
        }
    return options


def faststream_security(settings: KafkaClientSettings | None = None) -> BaseSecurity | None:
    """The same settings in FastStream's terms (its KafkaBroker takes a security object)."""
    settings = settings or KafkaClientSettings()
    context = settings.ssl_context()
    use_ssl = context is not None
    if not settings.protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context, use_ssl=use_ssl) if use_ssl else None
    kinds = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}
    return kinds[settings.sasl_mechanism](
        username=settings.sasl_username or "",
        password=settings.sasl_password or "",
        ssl_context=context,
        use_ssl=use_ssl,
    )
