"""What a schema cannot see in a built overlay (`kustomize build overlays/<name>`):

- topics: replication and `min.insync.replicas` as the overlay promises (prod 3/2, dev 1/1),
  and the ConfigMap's L2C_TOPIC_* settings agree with them;
- KEDA: each ScaledObject scales a Deployment of the build, with no more replicas than the
  fewest partitions among the topics it watches, on topics the build declares;
- pods: every container runs as a non-root user with no privilege escalation and a read-only
  root, has resource requests and a memory limit; every long-running one has probes, and every
  Deployment a PodDisruptionBudget;
- references: each ConfigMap and Secret a pod names is in the build or made by an operator
  (Strimzi: one per KafkaUser and the cluster CA; CloudNativePG: `<cluster>-app`) or listed in
  `PROVIDED` (made by the platform team, deploy/k8s/README.md);
- network: each service's pods are selected by a NetworkPolicy whose database rule names
  their own cluster only.

    python deploy/k8s/check_built.py --overlay prod built.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

EXPECTED_DURABILITY = {"prod": (3, 2), "dev": (1, 1)}
PROVIDED = {"contract-svc-esignature"}
"""Secrets the platform team creates (deploy/k8s/README.md, "Secrets")."""


def problems(objects: list[dict[str, Any]], overlay: str) -> list[str]:
    found: list[str] = []
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o

    def kind(name: str) -> dict[str, dict[str, Any]]:
        return by_kind.get(name, {})

    # Topics.
    replicas, min_insync = EXPECTED_DURABILITY[overlay]
    partitions: dict[str, int] = {}
    for name, topic in kind("KafkaTopic").items():
        spec = topic["spec"]
        partitions[spec["topicName"]] = spec["partitions"]
        if spec["replicas"] != replicas:
            found.append(f"KafkaTopic {name}: replicas {spec['replicas']}, want {replicas}")
        if spec["config"].get("min.insync.replicas") != min_insync:
            found.append(f"KafkaTopic {name}: min.insync.replicas, want {min_insync}")
    config = kind("ConfigMap")["l2c-config"]["data"]
    if (config["L2C_TOPIC_REPLICATION_FACTOR"], config["L2C_TOPIC_MIN_INSYNC_REPLICAS"]) != (
        str(replicas),
        str(min_insync),
    ):
        found.append("ConfigMap l2c-config: L2C_TOPIC_* disagree with the KafkaTopics")
    if not partitions:
        found.append("no KafkaTopic")

    # KEDA.
    for name, scaled in kind("ScaledObject").items():
        target = scaled["spec"]["scaleTargetRef"]["name"]
        if target not in kind("Deployment"):
            found.append(f"ScaledObject {name}: no Deployment {target}")
        watched = [t["metadata"]["topic"] for t in scaled["spec"]["triggers"]]
        unknown = [t for t in watched if t not in partitions]
        if unknown:
            found.append(f"ScaledObject {name}: topics not declared: {unknown}")
        bound = min((partitions[t] for t in watched if t in partitions), default=0)
        if scaled["spec"]["maxReplicaCount"] > bound:
            found.append(f"ScaledObject {name}: maxReplicaCount over {bound} partitions")

    # Pods and references.
    made = set(kind("Secret")) | set(kind("KafkaUser")) | PROVIDED | {"l2c-cluster-ca-cert"}
    made |= {f"{cluster}-app" for cluster in kind("Cluster")}
    pods = [(f"Deployment {n}", d["spec"]["template"]) for n, d in kind("Deployment").items()]
    pods += [(f"Job {n}", j["spec"]["template"]) for n, j in kind("Job").items()]
    for what, template in pods:
        spec = template["spec"]
        if not spec.get("securityContext", {}).get("runAsNonRoot"):
            found.append(f"{what}: the pod may run as root")
        secrets = {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
        maps = {v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v}
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False or not sc.get(
                "readOnlyRootFilesystem"
            ):
                found.append(f"{what}/{c['name']}: privilege escalation or writable root")
            res = c.get("resources", {})
            if "cpu" not in res.get("requests", {}) or "memory" not in res.get("limits", {}):
                found.append(f"{what}/{c['name']}: no cpu request or memory limit")
            if (
                what.startswith("Deployment")
                and c in spec["containers"]
                and not (
                    c.get("livenessProbe") and (c.get("readinessProbe") or c["name"] == "relay")
                )
            ):
                found.append(f"{what}/{c['name']}: no probes")
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    maps.add(source["configMapRef"]["name"])
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    secrets.add(ref["secretKeyRef"]["name"])
                if "configMapKeyRef" in ref:
                    maps.add(ref["configMapKeyRef"]["name"])
        found += [f"{what}: Secret {s} is made by nobody" for s in sorted(secrets - made)]
        found += [f"{what}: no ConfigMap {m}" for m in sorted(maps - set(kind("ConfigMap")))]
    budgets = [b["spec"]["selector"]["matchLabels"] for b in kind("PodDisruptionBudget").values()]
    for name, deployment in kind("Deployment").items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not any(all(pod_labels.get(k) == v for k, v in b.items()) for b in budgets):
            found.append(f"Deployment {name}: no PodDisruptionBudget")

    # Network.
    policies = kind("NetworkPolicy")
    for cluster in kind("Cluster"):
        service = cluster.removesuffix("-db")
        policy = policies.get(service)
        if policy is None:
            found.append(f"{service}: no NetworkPolicy")
            continue
        if policy["spec"]["podSelector"]["matchLabels"] != {"app.kubernetes.io/name": service}:
            found.append(f"NetworkPolicy {service}: selects other pods")
        clusters = [
            peer["podSelector"]["matchLabels"]["cnpg.io/cluster"]
            for rule in policy["spec"]["egress"]
            for peer in rule.get("to", [])
            if "cnpg.io/cluster" in peer.get("podSelector", {}).get("matchLabels", {})
        ]
        if clusters != [cluster]:
            found.append(f"NetworkPolicy {service}: reaches databases {clusters}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--overlay", choices=sorted(EXPECTED_DURABILITY), required=True)
    parser.add_argument("built", type=Path)
    args = parser.parse_args(argv)
    objects = [o for o in yaml.safe_load_all(args.built.read_text()) if o]
    found = problems(objects, args.overlay)
    for problem in found:
        print(f"{args.overlay}: {problem}", file=sys.stderr)
    if found:
        return 1
    print(f"{args.overlay}: {len(objects)} objects pass the cross-object checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
