"""Turn the upstream schemas into the JSON Schemas kubeconform reads (deploy/k8s/validate.sh).

    python deploy/k8s/schemas/vendor.py \\
        --kubernetes DIR/kubernetes_validate/kubernetes-json-schema/v1.34.0-local-strict \\
        --crd STRIMZI/packaging/install/cluster-operator/04[0-9]-Crd-*.yaml \\
        --crd CNPG/config/crd/bases/postgresql.cnpg.io_*.yaml \\
        --crd KEDA/config/crd/bases/keda.sh_*.yaml

Where each comes from, at which version: deploy/k8s/schemas/README.md.

- Kubernetes kinds (`kubernetes/<kind>-<group>-<version>.json`, kubeconform's naming): the
  kind's schema with the definitions it reaches copied in (the source keeps them all in one
  shared `_definitions.json`), so each file stands alone. Only the kinds in `KINDS`: the
  manifests use no others (a kind without a schema fails the validation; add it here).
- Custom resources (`crds/<group>/<kind>_<version>.json`): each served version's
  `openAPIV3Schema`, converted the way kubeconform's openapi2jsonschema.py does: objects
  with `properties` take no other property unless the CRD says they may (strict),
  `x-kubernetes-int-or-string` becomes "string or integer", `nullable` adds null.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

KINDS = (
    "configmap-v1",
    "secret-v1",
    "service-v1",
    "serviceaccount-v1",
    "namespace-v1",
    "deployment-apps-v1",
    "job-batch-v1",
    "poddisruptionbudget-policy-v1",
    "networkpolicy-networking-v1",
)

REF = re.compile(r"^(?:.*_definitions\.json)?#/\$defs/(.+)$")


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (m := REF.match(ref)):
            found.add(m.group(1))
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _local(node: Any) -> Any:
    """The same schema with references into `_definitions.json` made references into the
    file's own `$defs`."""
    if isinstance(node, dict):
        out = {k: _local(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and (m := REF.match(ref)):
            out["$ref"] = f"#/$defs/{m.group(1)}"
        return out
    if isinstance(node, list):
        return [_local(v) for v in node]
    return node


def kubernetes_schemas(source: Path) -> dict[str, Any]:
    shared = json.loads((source / "_definitions.json").read_text())
    definitions = shared["$defs"]
    schemas = {}
    for kind in KINDS:
        schema = json.loads((source / f"{kind}.json").read_text())
        wanted, todo = set(), list(_refs(schema))
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo.extend(_refs(definitions[name]))
        standalone = _local(schema)
        standalone["$schema"] = shared.get("$schema", "http://json-schema.org/draft-04/schema#")
        standalone["$defs"] = {name: _local(definitions[name]) for name in sorted(wanted)}
        schemas[f"kubernetes/{kind}.json"] = standalone
    return schemas


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: (_strict(v) if k not in ("enum", "default", "example") else v) for k, v in node.items()
    }
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def crd_schemas(files: list[Path]) -> dict[str, Any]:
    schemas = {}
    for file in files:
        for crd in yaml.safe_load_all(file.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schema["$schema"] = "http://json-schema.org/draft-04/schema#"
                name = f"crds/{group}/{kind.lower()}_{version['name']}.json"
                schemas[name] = schema
    return schemas


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kubernetes", type=Path, help="a kubernetes-validate *-local-strict dir")
    parser.add_argument("--crd", type=Path, action="append", default=[], help="a CRD YAML file")
    args = parser.parse_args(argv)
    schemas: dict[str, Any] = {}
    if args.kubernetes:
        schemas |= kubernetes_schemas(args.kubernetes)
    schemas |= crd_schemas(args.crd)
    for name, schema in sorted(schemas.items()):
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(HERE)} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
