"""Every Kafka client's security settings come from the environment, in one place."""

from __future__ import annotations

import pytest
from faststream.security import SASLScram256, SASLScram512
from pydantic import ValidationError

from l2c_runtime.kafka_client import KafkaClientSettings, faststream_security, kafka_client_options

VARIABLES = (
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CAFILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_without_settings_a_client_speaks_plaintext() -> None:
    assert kafka_client_options() == {"security_protocol": "PLAINTEXT"}
    assert faststream_security() is None


def test_a_username_means_sasl_scram_512(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "lead-svc")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "pw")
    assert kafka_client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "lead-svc",
        "sasl_plain_password": "pw",
    }
    security = faststream_security()
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == ("lead-svc", "pw", False)


def test_the_mechanism_is_taken_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "ar-svc")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "pw")
    assert kafka_client_options()["sasl_mechanism"] == "SCRAM-SHA-256"
    assert isinstance(faststream_security(), SASLScram256)


def test_sasl_without_credentials_or_an_unknown_mechanism_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    with pytest.raises(ValidationError, match="needs KAFKA_SASL_USERNAME"):
        KafkaClientSettings()
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "x")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "y")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "GSSAPI")
    with pytest.raises(ValidationError):
        KafkaClientSettings()
