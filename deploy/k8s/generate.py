"""Generate the code-derived parts of the Kubernetes base (deploy/k8s/base/generated/):

- one Strimzi `KafkaTopic` per topic and per dead-letter topic, from the topic registry and
  the services' definitions (what each provisions);
- one Strimzi `KafkaUser` per principal, SCRAM-SHA-512, with the ACLs of
  deploy/local/kafka/acls.txt;
- per service: ServiceAccount, Deployment (API and consumers), relay Deployment, Service,
  PodDisruptionBudget, migration Job, CloudNativePG `Cluster`, KEDA `ScaledObject` per
  consumer group, NetworkPolicy.

    uv run python deploy/k8s/generate.py          # (re)generate
    uv run python deploy/k8s/generate.py --check  # exit 1 if the committed files are stale

The base is the production shape (replication 3, min.insync.replicas 2); overlays change
sizes. Everything else of the base (Kafka cluster, collector, policies) is written by hand.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from l2c_platform.launcher import SERVICES, ServiceSpec
from l2c_schemas.topics import CLOCK, dead_letter_topic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "base" / "generated"
ACLS = ROOT / "deploy" / "local" / "kafka" / "acls.txt"

CLUSTER = "l2c"
"""The Strimzi Kafka cluster's name (its bootstrap Service is `l2c-kafka-bootstrap`)."""
BOOTSTRAP = f"{CLUSTER}-kafka-bootstrap:9093"
IMAGE = "l2c/l2c"
"""deploy/Dockerfile's image; an overlay names the registry and the tag (`images:`)."""
POSTGRES_IMAGE = "ghcr.io/cloudnative-pg/postgresql:16"
"""The major version the code is tested on (docker-compose.yml, deploy/local)."""
KEDA_AUTH = "l2c-kafka-keda"
"""The TriggerAuthentication of base/kafka/keda.yaml."""
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
PARTITIONS = 6
REPLICAS = 3
MIN_INSYNC = 2
MAX_REPLICAS_PER_GROUP = PARTITIONS
"""A consumer group uses at most one consumer per partition: more replicas would idle."""
COLLECTOR = "otel-collector"


@dataclass(frozen=True)
class Service:
    spec: ServiceSpec
    consumes: tuple[str, ...]
    produces: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def database(self) -> str:
        return f"l2c_{self.spec.database}"


def services() -> list[Service]:
    found = []
    for spec in SERVICES:
        definition = importlib.import_module(f"{spec.package}.app").definition
        consumed = tuple(sorted(definition.handlers.topics))
        found.append(Service(spec, consumed, tuple(sorted(definition.produces))))
    return found


def labels(service: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "l2c",
    }


# --- Kafka topics and users -------------------------------------------------------------


def topics(all_services: list[Service]) -> list[str]:
    wanted = {CLOCK}
    for service in all_services:
        wanted.update(service.produces, service.consumes)
        wanted.update(dead_letter_topic(t) for t in service.consumes)
    return sorted(wanted)


def kafka_topic(topic: str) -> dict[str, Any]:
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {
            "name": topic.replace(".", "-"),
            "labels": {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": "l2c"},
        },
        "spec": {
            "topicName": topic,
            "partitions": 1 if topic == CLOCK else PARTITIONS,
            "replicas": REPLICAS,
            "config": {"min.insync.replicas": MIN_INSYNC},
        },
    }


def acl_lines(text: str) -> Iterator[tuple[str, list[str], str, str, list[str]]]:
    """(principal, operations, resource type, pattern type, names) per line of acls.txt."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        principal, operations, kind, pattern, *names = line.split()
        yield principal, operations.split(","), kind, pattern, names


def kafka_users(all_services: list[Service]) -> list[dict[str, Any]]:
    lines = list(acl_lines(ACLS.read_text(encoding="utf-8")))
    missing = {s.name for s in all_services} - {line[0] for line in lines}
    if missing:
        raise SystemExit(f"{ACLS.relative_to(ROOT)} has no lines for {sorted(missing)}")
    acls: dict[str, list[dict[str, Any]]] = {}
    for principal, operations, kind, pattern, names in lines:
        entries = acls.setdefault(principal, [])
        for name in names:
            entries.append(
                {
                    # Kafka says "prefixed", Strimzi "prefix".
                    "resource": {
                        "type": kind,
                        "name": name,
                        "patternType": "prefix" if pattern == "prefixed" else pattern,
                    },
                    "operations": operations,
                }
            )
    return [
        {
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "KafkaUser",
            "metadata": {
                "name": principal,
                "labels": {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": "l2c"},
            },
            "spec": {
                "authentication": {"type": "scram-sha-512"},
                "authorization": {"type": "simple", "acls": entries},
            },
        }
        for principal, entries in acls.items()
    ]


# --- services ---------------------------------------------------------------------------

SEPARATE_RELAY = frozenset({"lead-svc"})
"""Services whose outbox is published by a relay Deployment of its own (as in
docker-compose.yml: under a heavy intake an inline relay shares the event loop with the intake
consumer and falls behind). The others relay inline; their replicas share the outbox lease."""

EXTRA_ENV: dict[str, list[dict[str, Any]]] = {
    # contract-svc does not start without the e-signature webhook's secret.
    "contract-svc": [
        {
            "name": "CONTRACT_ESIGNATURE_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "contract-svc-esignature", "key": "secret"}},
        }
    ],
}

HTTP_PORT = 8000
RELAY_METRICS_PORT = 9464
UID = 10001
"""The image's `l2c` user (deploy/Dockerfile)."""

SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": UID,
    "runAsGroup": UID,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def environment(service: Service, role: str) -> list[dict[str, Any]]:
    """The container's own settings (the shared ones come from the `l2c-config` ConfigMap).
    Secrets: `<service>` is the Strimzi KafkaUser's (key `password`), `<service>-db-app`
    the CloudNativePG cluster's owner role (keys `username`, `password`)."""
    db_secret = f"{service.name}-db-app"
    relay_inline = role == "api" and service.name not in SEPARATE_RELAY
    return [
        {
            "name": "OTEL_SERVICE_NAME",
            "value": service.name + ("-relay" if role == "relay" else ""),
        },
        {"name": "HTTP_HOST", "value": "0.0.0.0"},
        {"name": "HTTP_PORT", "value": str(HTTP_PORT)},
        {"name": "L2C_METRICS_PORT", "value": str(RELAY_METRICS_PORT)},
        {"name": "L2C_MIGRATE_ON_START", "value": "false"},
        {"name": "L2C_RELAY_INLINE", "value": "true" if relay_inline else "false"},
        {"name": "KAFKA_SASL_USERNAME", "value": service.name},
        {
            "name": "KAFKA_SASL_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": service.name, "key": "password"}},
        },
        {"name": "KAFKA_SECURITY_PROTOCOL", "value": "SASL_SSL"},
        {"name": "KAFKA_SSL_CAFILE", "value": "/etc/l2c/kafka-ca/ca.crt"},
        {
            "name": "DB_USER",
            "valueFrom": {"secretKeyRef": {"name": db_secret, "key": "username"}},
        },
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": db_secret, "key": "password"}},
        },
        {
            "name": "DATABASE_URL",
            "value": f"postgresql+asyncpg://$(DB_USER):$(DB_PASSWORD)@{service.name}-db-rw:5432/"
            f"{service.database}",
        },
        *EXTRA_ENV.get(service.name, []),
    ]


def container(service: Service, role: str, args: list[str]) -> dict[str, Any]:
    return {
        "name": role,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": args,
        "envFrom": [{"configMapRef": {"name": "l2c-config"}}],
        "env": environment(service, role),
        "securityContext": SECURITY_CONTEXT,
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "kafka-ca", "mountPath": "/etc/l2c/kafka-ca", "readOnly": True},
        ],
    }


def pod_template(
    service: Service, role: str, containers: list[dict[str, Any]], metrics_port: int | None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"labels": labels(service.name, role)}
    if metrics_port is not None:
        # For a Prometheus that discovers pods by annotation (deploy/k8s/README.md).
        metadata["annotations"] = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(metrics_port),
            "prometheus.io/path": "/metrics",
        }
    spec: dict[str, Any] = {
        "serviceAccountName": service.name,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": containers,
        "volumes": [
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
            {"name": "kafka-ca", "secret": {"secretName": f"{CLUSTER}-cluster-ca-cert"}},
        ],
    }
    if role == "migrate":
        spec["restartPolicy"] = "OnFailure"
    else:
        # Not before the migration Job has brought the schema to this image's newest
        # revision: a new version never serves on the old version's schema. (Ten minutes,
        # then the init container fails and the kubelet tries again.)
        wait = container(
            service,
            "wait-for-schema",
            ["l2c-serve", service.spec.package, "--wait-for-schema", "600"],
        )
        wait["resources"] = resources("100m", "128Mi", "256Mi")
        spec["initContainers"] = [wait]
        spec["terminationGracePeriodSeconds"] = 30
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": labels(service.name, role)},
            }
        ]
    return {"metadata": metadata, "spec": spec}


def resources(cpu: str, memory: str, limit: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": limit}}


def probe(path: str, port: str, *, period: int, timeout: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def deployment(
    service: Service, role: str, main: dict[str, Any], port: int, replicas: int | None
) -> dict[str, Any]:
    name = service.name if role == "api" else f"{service.name}-{role}"
    spec: dict[str, Any] = {} if replicas is None else {"replicas": replicas}
    spec |= {
        "selector": {"matchLabels": labels(service.name, role)},
        "strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        "template": pod_template(service, role, [main], port),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(service.name, role)},
        "spec": spec,
    }


def api_deployment(service: Service) -> dict[str, Any]:
    api = container(service, "api", ["l2c-serve", service.spec.package])
    api["ports"] = [{"name": "http", "containerPort": HTTP_PORT}]
    api["resources"] = resources("250m", "256Mi", "512Mi")
    # Up to two minutes to start; restarted when the process stops answering; out of the
    # Service while its database or the brokers do not answer (/health/ready checks both).
    api["startupProbe"] = probe("/health/live", "http", period=2, timeout=1, failures=60)
    api["livenessProbe"] = probe("/health/live", "http", period=10, timeout=2, failures=3)
    api["readinessProbe"] = probe("/health/ready", "http", period=5, timeout=3, failures=3)
    # A consumer's Deployment has no `replicas`: its ScaledObject's HPA owns the count (an
    # apply would reset it).
    return deployment(service, "api", api, HTTP_PORT, None if service.consumes else 2)


def relay_deployment(service: Service) -> dict[str, Any]:
    relay = container(service, "relay", ["l2c-relay", service.spec.package])
    relay["ports"] = [{"name": "metrics", "containerPort": RELAY_METRICS_PORT}]
    relay["resources"] = resources("100m", "128Mi", "256Mi")
    # The relay has no API: its metrics listener answering is its sign of life.
    relay["startupProbe"] = probe("/metrics", "metrics", period=2, timeout=2, failures=60)
    relay["livenessProbe"] = probe("/metrics", "metrics", period=20, timeout=5, failures=3)
    # Replicas take over from one another through the outbox lease: two for a quick
    # takeover, never more than one publishing at a time.
    return deployment(service, "relay", relay, RELAY_METRICS_PORT, 2)


def migration_job(service: Service) -> dict[str, Any]:
    migrate = container(service, "migrate", ["l2c-serve", service.spec.package, "--migrate-only"])
    migrate["resources"] = resources("100m", "128Mi", "256Mi")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{service.name}-migrate", "labels": labels(service.name, "migrate")},
        "spec": {
            # Retries while the database cluster is still coming up.
            "backoffLimit": 10,
            # Gone an hour after it finished, so the next apply (a new image) runs it again;
            # migrating is idempotent.
            "ttlSecondsAfterFinished": 3600,
            "template": pod_template(service, "migrate", [migrate], None),
        },
    }


def pdb(service: Service, role: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels(service.name, role)},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(service.name, role)}},
    }


def service_objects(service: Service) -> list[dict[str, Any]]:
    name = service.name
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "labels": labels(name, "api")},
            "automountServiceAccountToken": False,
        },
        migration_job(service),
        api_deployment(service),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": labels(name, "api")},
            "spec": {
                "selector": labels(name, "api"),
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
        pdb(service, "api", name),
    ]
    if name in SEPARATE_RELAY:
        objects += [relay_deployment(service), pdb(service, "relay", f"{name}-relay")]
    objects += [database_cluster(service), network_policy(service)]
    if service.consumes:
        objects.append(scaled_object(service))
    return objects


def database_cluster(service: Service) -> dict[str, Any]:
    """The service's own PostgreSQL: a CloudNativePG cluster whose one database belongs to
    the service's role (its credentials in the secret `<service>-db-app`)."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": f"{service.name}-db", "labels": labels(service.name, "database")},
        "spec": {
            "instances": 3,
            "imageName": POSTGRES_IMAGE,
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"size": "10Gi"},
            "bootstrap": {
                "initdb": {"database": service.database, "owner": service.spec.database_role}
            },
            "postgresql": {"parameters": {"max_connections": "200"}},
            "inheritedMetadata": {"labels": labels(service.name, "database")},
            "resources": resources("250m", "512Mi", "1Gi"),
        },
    }


def scaled_object(service: Service) -> dict[str, Any]:
    """KEDA scales the service's Deployment (one consumer group, named after the service) on
    its lag over every topic it consumes, up to one replica per partition."""
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": service.name, "labels": labels(service.name, "api")},
        "spec": {
            "scaleTargetRef": {"name": service.name},
            "minReplicaCount": 2,
            "maxReplicaCount": MAX_REPLICAS_PER_GROUP,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "kafka",
                    "name": topic.replace(".", "-"),
                    "metadata": {
                        "bootstrapServers": BOOTSTRAP,
                        "sasl": "scram_sha512",
                        "tls": "enable",
                        "consumerGroup": service.name,
                        "topic": topic,
                        "lagThreshold": "1000",
                        "activationLagThreshold": "10",
                        "offsetResetPolicy": "earliest",
                        "allowIdleConsumers": "false",
                    },
                    "authenticationRef": {"name": KEDA_AUTH},
                }
                for topic in service.consumes
            ],
        },
    }


def network_policy(service: Service) -> dict[str, Any]:
    """The service's pods (API, relay, migration) reach their own database, the brokers, the
    collector, DNS and the identity provider, and take connections on their HTTP and metrics
    ports only."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": service.name, "labels": labels(service.name, "api")},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": service.name}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "ports": [
                        {"port": HTTP_PORT, "protocol": "TCP"},
                        {"port": RELAY_METRICS_PORT, "protocol": "TCP"},
                    ]
                }
            ],
            "egress": [
                {
                    "to": [
                        {"podSelector": {"matchLabels": {"cnpg.io/cluster": f"{service.name}-db"}}}
                    ],
                    "ports": [{"port": 5432, "protocol": "TCP"}],
                },
                {
                    "to": [
                        {
                            "podSelector": {
                                "matchLabels": {
                                    "strimzi.io/cluster": CLUSTER,
                                    "strimzi.io/broker-role": "true",
                                }
                            }
                        }
                    ],
                    "ports": [{"port": 9093, "protocol": "TCP"}],
                },
                {
                    "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": COLLECTOR}}}],
                    "ports": [{"port": 4318, "protocol": "TCP"}],
                },
                # The identity provider's keys (L2C_OIDC_ISSUER's discovery document and
                # JWKS over HTTPS), outside the cluster: narrow this to its addresses where
                # they are known (deploy/k8s/README.md).
                {
                    "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}],
                    "ports": [{"port": 443, "protocol": "TCP"}],
                },
                {
                    "to": [
                        {
                            "namespaceSelector": {},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                },
            ],
        },
    }


# --- files ------------------------------------------------------------------------------


def dump(objects: list[dict[str, Any]]) -> str:
    header = "# Generated by deploy/k8s/generate.py: do not edit.\n"
    return header + "---\n".join(yaml.safe_dump(o, sort_keys=False, width=100) for o in objects)


def expected_files() -> dict[str, str]:
    all_services = services()
    files = {
        "topics.yaml": dump([kafka_topic(t) for t in topics(all_services)]),
        "users.yaml": dump(kafka_users(all_services)),
    }
    for service in all_services:
        files[f"{service.name}.yaml"] = dump(service_objects(service))
    resources = sorted(files)
    files["kustomization.yaml"] = dump(
        [
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
            }
        ]
    )
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check, exit 1 if stale")
    args = parser.parse_args(argv)
    expected = expected_files()
    present = {p.name: p for p in OUT.glob("*.yaml")} if OUT.is_dir() else {}
    stale = [
        n for n, t in sorted(expected.items()) if n not in present or present[n].read_text() != t
    ]
    extra = sorted(set(present) - set(expected))
    if args.check:
        if stale or extra:
            print(f"stale: {stale}, extra: {extra}: run `make k8s-generate`", file=sys.stderr)
            return 1
        print(f"{len(expected)} generated manifests up to date")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (OUT / name).write_text(expected[name], encoding="utf-8")
        print(f"wrote {name}")
    for name in extra:
        present[name].unlink()
        print(f"deleted {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
