"""Who may call the e-signature webhook: only the provider holding the shared secret, and
only with a fresh request.

The provider sends `X-Esignature-Timestamp` (Unix seconds) and `X-Esignature-Signature`
(hex HMAC-SHA256 of `<timestamp>.<raw body>` under `CONTRACT_ESIGNATURE_SECRET`). A request
signed more than five minutes before or after now is refused, so a captured one cannot be
replayed. Without a secret the service does not start, unless `CONTRACT_ESIGNATURE_DEV_MODE`
is explicitly true (local experiments only: then unsigned webhooks are believed)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract_svc.domain.document import is_authentic_webhook, webhook_signature

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 300


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    secret: SecretStr | None = Field(default=None, validation_alias="CONTRACT_ESIGNATURE_SECRET")
    dev_mode: bool = Field(default=False, validation_alias="CONTRACT_ESIGNATURE_DEV_MODE")


class WebhookMisconfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class WebhookGuard:
    secret: str | None
    """None only in the explicit dev mode."""

    @classmethod
    def from_settings(cls, settings: WebhookSettings | None = None) -> WebhookGuard:
        """Refuses (raises) a configuration without a secret outside the dev mode."""
        settings = settings or WebhookSettings()
        secret = settings.secret.get_secret_value() if settings.secret else ""
        if secret:
            return cls(secret)
        if settings.dev_mode:
            log.warning("e-signature webhook in dev mode: unsigned requests are believed")
            return cls(None)
        raise WebhookMisconfigured(
            "CONTRACT_ESIGNATURE_SECRET is not set: the e-signature webhook would believe "
            "anyone (set CONTRACT_ESIGNATURE_DEV_MODE=true only for local experiments)"
        )

    def refusal(
        self, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None
    ) -> str | None:
        """Why the request is refused, or None when it is authentic and fresh."""
        if self.secret is None:
            return None
        if not timestamp or not signature:
            return "webhook signature or timestamp missing"
        try:
            sent = int(timestamp)
        except ValueError:
            return "webhook timestamp is not Unix seconds"
        if abs((time.time() if now is None else now) - sent) > MAX_CLOCK_SKEW_SECONDS:
            return "webhook timestamp is more than 5 minutes away from now"
        if not is_authentic_webhook(self.secret, timestamp, body, signature):
            return "webhook signature wrong"
        return None


def signed_headers(secret: str, body: bytes, at: float | None = None) -> dict[str, str]:
    """The headers a provider sends with `body` at `at` (Unix seconds, default now): what a
    test, a simulator or an integration signs its requests with."""
    timestamp = str(int(time.time() if at is None else at))
    return {
        "x-esignature-timestamp": timestamp,
        "x-esignature-signature": webhook_signature(secret, timestamp, body),
    }
