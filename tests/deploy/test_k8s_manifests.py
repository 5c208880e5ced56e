"""The Kubernetes base (deploy/k8s/): its generated part is current, the Kafka users carry
exactly the ACLs of deploy/local/kafka/acls.txt, and the cross-object checks of
check_built.py pass on the base and catch each kind of mistake. (`make k8s-validate` builds
the overlays and validates them against the schemas.)"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from l2c_platform.launcher import SERVICES
from l2c_schemas.topics import ALL_TOPICS, dead_letter_topic

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"k8s_{name}", K8S / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
check_built = _load("check_built")


def _base_objects() -> list[dict[str, Any]]:
    """The base's objects, read the way its kustomization lists them (no kustomize here)."""
    objects: list[dict[str, Any]] = []

    def read(directory: Path) -> None:
        kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
        for resource in kustomization["resources"]:
            path = directory / resource
            if path.is_dir():
                read(path)
            else:
                objects.extend(o for o in yaml.safe_load_all(path.read_text()) if o)

    read(K8S / "base")
    return objects


def test_generated_manifests_are_current() -> None:
    expected = generate.expected_files()
    present = {p.name: p.read_text() for p in (K8S / "base" / "generated").glob("*.yaml")}
    assert sorted(present) == sorted(expected), "run `make k8s-generate`"
    stale = [name for name, text in expected.items() if present[name] != text]
    assert not stale, f"stale: {stale}: run `make k8s-generate`"


def _acl_pairs_of_file() -> dict[str, set[tuple[str, str, str, str]]]:
    pairs: dict[str, set[tuple[str, str, str, str]]] = {}
    text = (ROOT / "deploy" / "local" / "kafka" / "acls.txt").read_text()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        principal, operations, kind, pattern, *names = line
        strimzi_pattern = {"prefixed": "prefix", "literal": "literal"}[pattern]
        for name in names:
            for operation in operations.split(","):
                pairs.setdefault(principal, set()).add((kind, name, strimzi_pattern, operation))
    return pairs


def test_kafka_users_have_the_acls_of_the_local_broker() -> None:
    users = {
        o["metadata"]["name"]: o
        for o in yaml.safe_load_all((K8S / "base" / "generated" / "users.yaml").read_text())
    }
    wanted = _acl_pairs_of_file()
    assert set(users) == set(wanted)
    assert {s.name for s in SERVICES} <= set(users)
    for principal, user in users.items():
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        got = {
            (acl["resource"]["type"], acl["resource"]["name"], acl["resource"]["patternType"], op)
            for acl in user["spec"]["authorization"]["acls"]
            for op in acl["operations"]
        }
        assert got == wanted[principal], principal


def test_every_topic_and_dead_letter_topic_is_declared() -> None:
    objects = _base_objects()
    declared = {o["spec"]["topicName"] for o in objects if o["kind"] == "KafkaTopic"}
    consumed = {
        t
        for o in objects
        if o["kind"] == "ScaledObject"
        for t in (trigger["metadata"]["topic"] for trigger in o["spec"]["triggers"])
    }
    assert set(ALL_TOPICS) <= declared
    assert {dead_letter_topic(t) for t in consumed} <= declared
    assert {s.name for s in SERVICES} == {
        o["spec"]["scaleTargetRef"]["name"] for o in objects if o["kind"] == "ScaledObject"
    }


def test_the_base_passes_the_cross_object_checks() -> None:
    assert check_built.problems(_base_objects(), "prod") == []


def _named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _topic(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "KafkaTopic")


def _api(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return _named(objects, "Deployment", "deal-svc")["spec"]["template"]["spec"]["containers"][0]


MISTAKES = {
    "replicas 1": lambda o: _topic(o)["spec"].update(replicas=1),
    "min.insync.replicas": lambda o: _topic(o)["spec"]["config"].update({"min.insync.replicas": 1}),
    "maxReplicaCount over": lambda o: _named(o, "ScaledObject", "deal-svc")["spec"].update(
        maxReplicaCount=7
    ),
    "no cpu request": lambda o: _api(o).pop("resources"),
    "writable root": lambda o: _api(o)["securityContext"].update(readOnlyRootFilesystem=False),
    "no probes": lambda o: _api(o).pop("readinessProbe"),
    "Secret nowhere is made by nobody": lambda o: _api(o)["env"].append(
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "nowhere", "key": "k"}}}
    ),
    "no PodDisruptionBudget": lambda o: o.remove(
        _named(o, "PodDisruptionBudget", "lead-svc-relay")
    ),
    "reaches databases": lambda o: _named(o, "NetworkPolicy", "ar-svc")["spec"]["egress"][0][
        "to"
    ].append({"podSelector": {"matchLabels": {"cnpg.io/cluster": "billing-svc-db"}}}),
    "disagree": lambda o: _named(o, "ConfigMap", "l2c-config")["data"].update(
        L2C_TOPIC_REPLICATION_FACTOR="1"
    ),
}


@pytest.mark.parametrize("problem", sorted(MISTAKES))
def test_the_cross_object_checks_catch(problem: str) -> None:
    objects = copy.deepcopy(_base_objects())
    MISTAKES[problem](objects)
    found = check_built.problems(objects, "prod")
    assert any(problem in p for p in found), found
