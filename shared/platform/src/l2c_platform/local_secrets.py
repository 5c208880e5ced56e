"""Credentials of the local infrastructure (deploy/local): one file per credential in the
secrets directory, written on the infrastructure's first start."""

from __future__ import annotations

import os
from pathlib import Path


def secrets_dir() -> Path:
    """`L2C_SECRETS_DIR`, else `$L2C_HOME/secrets` (the local infrastructure's)."""
    explicit = os.environ.get("L2C_SECRETS_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("L2C_HOME") or Path.home() / ".l2c") / "secrets"


def local_secret(name: str) -> str | None:
    """The credential `name` (e.g. `kafka-lead-svc`), or None when there is none."""
    path = secrets_dir() / f"{name}.password"
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def kafka_principal_env(principal: str) -> dict[str, str]:
    """Environment for a process that acts as `principal` on the broker: its SASL login when
    the local secrets have one, else nothing (the process keeps what it inherited)."""
    password = local_secret(f"kafka-{principal}")
    if password is None:
        return {}
    return {
        "KAFKA_SECURITY_PROTOCOL": os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        "KAFKA_SASL_MECHANISM": os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "KAFKA_SASL_USERNAME": principal,
        "KAFKA_SASL_PASSWORD": password,
    }
