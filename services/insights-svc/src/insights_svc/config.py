"""insights-svc's own settings from the environment (the dashboard's)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    jaeger_url: str = Field(default="http://127.0.0.1:16686", validation_alias="L2C_JAEGER_URL")
    """Jaeger's UI: a journey's stages link to `<jaeger_url>/trace/<trace_id>`."""
    cookie_secure: bool = Field(default=True, validation_alias="L2C_DASHBOARD_COOKIE_SECURE")
    """The session cookie is sent over HTTPS only (browsers also send it to http://localhost
    and http://127.0.0.1). Set false only behind plain HTTP on another host, for a demo."""
    session_max_seconds: int = Field(
        default=8 * 3600, ge=60, le=7 * 86400, validation_alias="L2C_DASHBOARD_SESSION_SECONDS"
    )
    """The longest a sign-in lasts; never beyond the token's own expiry."""

    @field_validator("jaeger_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("L2C_JAEGER_URL must be an http(s) URL")
        return value.rstrip("/")
