"""docker-compose.yml is valid against the official Compose Specification schema and says
what the project needs: the services, each with its own database, Kafka without topic
auto-creation, and consistency with the Docker-free scripts in deploy/local/.

The schema is not committed: deploy/compose/fetch-compose-schema.sh fetches it once from PyPI
(the copy vendored by check-jsonschema) into a cache dir and prints its path.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from l2c_runtime.auth import ROLE_SCOPES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
FETCH_SCHEMA = ROOT / "deploy" / "compose" / "fetch-compose-schema.sh"

# service -> (database, host port)
SERVICES = {
    "lead-svc": ("l2c_lead", 8001),
    "deal-svc": ("l2c_deal", 8002),
    "cpq-svc": ("l2c_cpq", 8003),
    "contract-svc": ("l2c_contract", 8004),
    "billing-svc": ("l2c_billing", 8005),
    "ar-svc": ("l2c_ar", 8006),
    "insights-svc": ("l2c_insights", 8007),
}

_schema_cache: dict = {}


def compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def compose_schema() -> dict:
    if "schema" not in _schema_cache:
        proc = subprocess.run(
            ["bash", str(FETCH_SCHEMA)], capture_output=True, text=True, timeout=300, check=False
        )
        assert proc.returncode == 0, f"fetching the compose schema failed:\n{proc.stderr}"
        path = Path(proc.stdout.strip().splitlines()[-1])
        _schema_cache["schema"] = json.loads(path.read_text(encoding="utf-8"))
    return _schema_cache["schema"]


def validator() -> jsonschema.protocols.Validator:
    schema = compose_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?[^}]*\}")


def env_of(service: dict) -> dict:
    """The service's environment, each required variable `${NAME:?…}` shown as `<NAME>`."""
    env = service.get("environment", {})
    if isinstance(env, list):  # KEY=VALUE list form
        env = dict(item.split("=", 1) for item in env)
    return {k: _REQUIRED_VARIABLE.sub(r"<\1>", str(v)) for k, v in env.items()}


def test_compose_file_matches_official_schema() -> None:
    errors = sorted(validator().iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def test_schema_actually_rejects_a_broken_file() -> None:
    """Guards against a schema that accepts anything (wrong file, empty schema...)."""
    broken = copy.deepcopy(compose())
    broken["services"]["lead-svc"]["not_a_compose_key"] = True
    broken["services"]["kafka"]["ports"] = "29092"  # must be a list
    assert len(list(validator().iter_errors(broken))) >= 2


def test_every_service_with_its_own_database() -> None:
    services = compose()["services"]
    seen_dbs = set()
    for name, (db, port) in SERVICES.items():
        assert name in services, f"{name} missing from docker-compose.yml"
        svc = services[name]
        env = env_of(svc)
        url = urlsplit(env["DATABASE_URL"])
        assert url.scheme == "postgresql+asyncpg"
        assert url.hostname == "postgres" and (url.port or 5432) == 5432
        assert url.path.lstrip("/") == db, f"{name} uses {url.path}, expected {db}"
        seen_dbs.add(db)
        assert env["KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["OTEL_SERVICE_NAME"] == name
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert f"{port}:8000" in [str(p) for p in svc["ports"]]
        assert svc["command"] == ["l2c-serve", name.replace("-", "_")]
        assert (ROOT / svc["build"]["context"] / svc["build"]["dockerfile"]).is_file()
        deps = svc["depends_on"]
        assert deps["kafka"]["condition"] == "service_healthy"
        assert deps["postgres"]["condition"] == "service_healthy"
        assert "healthcheck" in svc
    assert len(seen_dbs) == len(SERVICES), "services must not share a database"


def test_lead_svc_publishes_its_outbox_through_a_relay_process_of_its_own() -> None:
    services = compose()["services"]
    relay, lead = services["lead-relay"], services["lead-svc"]
    assert env_of(lead)["L2C_RELAY_INLINE"] == "false"
    assert env_of(relay)["DATABASE_URL"] == env_of(lead)["DATABASE_URL"]
    assert relay["command"] == ["l2c-relay", "lead_svc"]
    assert relay["image"] == lead["image"]
    assert relay["depends_on"]["lead-svc"]["condition"] == "service_healthy"


def test_a_second_lead_svc_replica_shares_its_database_group_and_relay() -> None:
    services = compose()["services"]
    second, lead = services["lead-svc-2"], services["lead-svc"]
    assert second["image"] == lead["image"] and second["build"] == lead["build"]
    for name in ("DATABASE_URL", "OTEL_SERVICE_NAME", "KAFKA_BOOTSTRAP", "L2C_RELAY_INLINE"):
        assert env_of(second)[name] == env_of(lead)[name]
    assert "L2C_CONSUMER_GROUP" not in env_of(second) | env_of(lead)  # one group: lead-svc
    assert "ports" not in second  # lead-svc's host port stays lead-svc's
    assert second["depends_on"]["lead-svc"]["condition"] == "service_healthy"


def test_kafka_auto_create_disabled_everywhere() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:4.1.1"
    env = env_of(kafka)
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    start = (ROOT / "deploy" / "compose" / "kafka" / "start.sh").read_text(encoding="utf-8")
    assert "auto.create.topics.enable=false" in start
    assert "healthcheck" in kafka
    local = (ROOT / "deploy" / "local" / "kafka.sh").read_text(encoding="utf-8")
    assert "auto.create.topics.enable=false" in local


def _service_list(script: Path, pattern: str) -> set[str]:
    m = re.search(pattern, script.read_text(encoding="utf-8"), re.M)
    assert m, f"no service list in {script}"
    return set(m.group(1).split())


def test_database_lists_agree() -> None:
    """compose init script, deploy/local/postgres.sh and the services name the same DBs,
    each owned by its service's role, no one else allowed to connect."""
    expected = {db.removeprefix("l2c_") for db, _ in SERVICES.values()}
    init = ROOT / "deploy" / "compose" / "initdb" / "01-create-databases.sh"
    assert _service_list(init, r"^for service in ([^;]*);") == expected
    text = init.read_text(encoding="utf-8")
    assert "CREATE DATABASE l2c_${service} OWNER ${role};" in text
    assert "REVOKE ALL ON DATABASE l2c_${service} FROM PUBLIC;" in text
    assert "NOSUPERUSER" in text
    local = ROOT / "deploy" / "local" / "postgres.sh"
    assert _service_list(local, r"^SERVICES=\(([^)]*)\)") == expected


def test_each_service_is_its_own_kafka_principal_and_database_role() -> None:
    services = compose()["services"]
    for name, (db, _) in SERVICES.items():
        env = env_of(services[name])
        role = db.removeprefix("l2c_") + "_svc"
        url = urlsplit(env["DATABASE_URL"])
        assert (url.username, url.password) == (role, f"<L2C_PG_{role.upper()}_PASSWORD>")
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["KAFKA_SASL_USERNAME"] == name
        assert env["KAFKA_SASL_PASSWORD"] == f"<L2C_KAFKA_{role.upper()}_PASSWORD>"
        deps = services[name]["depends_on"]
        assert deps["kafka-acls"]["condition"] == "service_completed_successfully"
    for replica in ("lead-svc-2", "lead-relay"):  # lead-svc's principal and role
        for key in ("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "DATABASE_URL"):
            assert env_of(services[replica])[key] == env_of(services["lead-svc"])[key]
    assert env_of(services["contract-svc"])["CONTRACT_ESIGNATURE_SECRET"] == (
        "<CONTRACT_ESIGNATURE_SECRET>"
    )
    assert "l2c:l2c@" not in COMPOSE_FILE.read_text(encoding="utf-8")  # no shared login


def test_the_compose_broker_is_locked_down_like_the_local_one() -> None:
    services = compose()["services"]
    start = (ROOT / "deploy" / "compose" / "kafka" / "start.sh").read_text(encoding="utf-8")
    local = (ROOT / "deploy" / "local" / "kafka.sh").read_text(encoding="utf-8")
    for setting in (
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        "sasl.enabled.mechanisms=SCRAM-SHA-512",
        "super.users=User:admin;User:ANONYMOUS",
        "auto.create.topics.enable=false",
    ):
        assert setting in start and setting in local, setting
    assert "CLIENT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:SASL_PLAINTEXT" in start
    principals = {
        line.split()[0]
        for line in (ROOT / "deploy" / "local" / "kafka" / "acls.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    kafka_env = env_of(services["kafka"])
    for principal in principals | {"admin"}:
        variable = f"L2C_KAFKA_{principal.upper().replace('-', '_')}_PASSWORD"
        assert kafka_env[variable] == f"<{variable}>"  # its SCRAM credential at format time
    assert "./deploy/local/kafka:/acl:ro" in services["kafka"]["volumes"]
    assert "--add-scram" in start and "/acl/acls.txt" in start
    acls = services["kafka-acls"]
    assert "./deploy/local/kafka:/acl:ro" in acls["volumes"]
    assert acls["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_bind_mounted_files_exist() -> None:
    for name, svc in compose()["services"].items():
        for vol in svc.get("volumes", []):
            src = vol.split(":", 1)[0] if isinstance(vol, str) else vol.get("source", "")
            if src.startswith("./"):
                assert (ROOT / src).exists(), f"{name}: {src} does not exist"


def test_services_trust_keycloak_whose_realm_has_every_role_and_the_audience() -> None:
    services = compose()["services"]
    realm = json.loads((ROOT / "deploy/compose/keycloak/l2c-realm.json").read_text())
    assert {r["name"] for r in realm["roles"]["realm"]} == set(ROLE_SCOPES)
    mappers = [m for c in realm["clients"] for m in c.get("protocolMappers", [])]
    audiences = {m["config"].get("included.custom.audience") for m in mappers}
    for name in SERVICES:
        env = services[name]["environment"]
        assert env["L2C_OIDC_ISSUER"] == "http://localhost:8080/realms/l2c"
        assert env["L2C_OIDC_AUDIENCE"] in audiences
        assert env["L2C_OIDC_ROLES_CLAIM"] == "realm_access.roles"
        assert "keycloak" in services[name]["depends_on"]


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q"]))


def test_one_image_built_once_runs_every_service_and_relay() -> None:
    services = compose()["services"]
    ours = [svc for svc in services.values() if "build" in svc]
    assert len(ours) == 9  # seven services, the second lead-svc replica, the relay
    assert {svc["image"] for svc in ours} == {"l2c/l2c:dev"}
    assert len({json.dumps(svc["build"], sort_keys=True) for svc in ours}) == 1
    assert {svc["command"][0] for svc in ours} == {"l2c-serve", "l2c-relay"}


def test_the_image_installs_dependencies_before_the_source_and_runs_the_installed_script() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    steps = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    text = "\n".join(steps)
    dependencies = text.index("--no-install-workspace")
    source = text.index("COPY . .")
    assert dependencies < source, "the dependency layer must not depend on the source"
    assert "uv run" not in text  # the entry point is the installed script, PID 1
    assert "PATH=/opt/venv/bin" in text


def test_dockerignore_keeps_local_state_virtualenvs_and_caches_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    for pattern in ("var", ".venv", ".git", ".env", "**/__pycache__", "**/.mypy_cache"):
        assert pattern in ignored, pattern


def test_jaeger_is_v2_and_prometheus_grafana_and_a_kafka_ui_run_beside() -> None:
    services = compose()["services"]
    assert services["jaeger"]["image"].startswith("jaegertracing/jaeger:2.")
    assert "all-in-one" not in services["jaeger"]["image"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert "grafana" in services["grafana"]["image"]
    assert "kafka-ui" in services["kafka-ui"]["image"]
    ui = env_of(services["kafka-ui"])
    assert ui["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"] == "kafka:9092"
    assert "SCRAM-SHA-512" in ui["KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM"]


def test_prometheus_scrapes_every_service_replica_and_relay_and_loads_the_rules() -> None:
    config_dir = ROOT / "deploy" / "observability" / "prometheus"
    config = yaml.safe_load((config_dir / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {
        target: job["job_name"]
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    services = compose()["services"]
    for name, svc in services.items():
        if "build" not in svc:
            continue
        port = 9464 if svc["command"][0] == "l2c-relay" else 8000
        assert f"{name}:{port}" in targets, f"{name} is not scraped"
    assert targets["lead-svc-2:8000"] == "lead-svc"  # replicas share their service's job
    for rule_file in config["rule_files"]:
        assert (config_dir / rule_file).is_file()
    volumes = services["prometheus"]["volumes"]
    assert "./deploy/observability/prometheus:/etc/prometheus:ro" in volumes


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = {target: source for source, target, *_ in (v.split(":") for v in grafana["volumes"])}
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    dashboards = ROOT / mounts["/var/lib/grafana/dashboards"]
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert sources["datasources"][0]["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((provisioning / "dashboards" / "l2c.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert (dashboards / "l2c-overview.json").is_file()
