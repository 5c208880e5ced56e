#!/usr/bin/env bash
# Validate the Kubernetes manifests offline (make k8s-validate; CI runs it):
#   1. the generated part of the base is what deploy/k8s/generate.py makes of the code now;
#   2. `kustomize build` of each overlay;
#   3. kubeconform on every object of each build, strict, against the schemas in
#      deploy/k8s/schemas/ only (Kubernetes' and the Strimzi, CloudNativePG and KEDA CRDs'; no
#      download: an object whose kind has no schema there fails);
#   4. deploy/k8s/check_built.py: what the schemas cannot see (durability per overlay, KEDA
#      bounds, security contexts, the secrets pods name, network policies);
#   5. the validation itself rejects deploy/k8s/schemas/testdata/invalid.yaml, object by object.
# kustomize and kubeconform are installed with `go install` (the Go module proxy) at the
# versions below when missing or different.
set -euo pipefail
cd "$(dirname "$0")"
KUSTOMIZE=sigs.k8s.io/kustomize/kustomize/v5@v5.7.1
KUBECONFORM=github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
KUBERNETES_VERSION=1.34.0  # the schemas in schemas/kubernetes/ (schemas/README.md)
UV=${UV:-uv}

export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "validate.sh: needs Go (go install of the tools)" >&2; exit 1; }
PATH="$(go env GOPATH)/bin:$PATH"
tool() {  # tool NAME MODULE@VERSION: installed at that version
  local name=$1 module=${2%@*} version=${2#*@}
  if ! { command -v "$name" >/dev/null &&
         go version -m "$(command -v "$name")" | grep -qE "mod[[:space:]]+${module%/cmd/*}[^[:space:]]*[[:space:]]+$version"; }; then
    echo "installing $name $version"
    go install "$2"
  fi
}
tool kustomize "$KUSTOMIZE"
tool kubeconform "$KUBECONFORM"

conform() {
  kubeconform -strict -summary -output text -kubernetes-version "$KUBERNETES_VERSION" \
    -schema-location 'schemas/kubernetes/{{ .ResourceKind }}{{ .KindSuffix }}.json' \
    -schema-location 'schemas/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json' \
    "$@"
}

"$UV" run --frozen python generate.py --check

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for overlay in dev prod; do
  kustomize build "overlays/$overlay" >"$out/$overlay.yaml"
  echo "$overlay: $(grep -c '^kind:' "$out/$overlay.yaml") objects:" \
    "$(grep '^kind:' "$out/$overlay.yaml" | sort | uniq -c | awk '{printf "%s %s, ", $1, $3}')"
  conform "$out/$overlay.yaml"
  "$UV" run --frozen python check_built.py --overlay "$overlay" "$out/$overlay.yaml"
done

# Each object of the fixture has one mistake: every one must be reported.
objects=$(grep -c '^kind:' schemas/testdata/invalid.yaml)
if conform schemas/testdata/invalid.yaml >"$out/invalid.txt" 2>&1; then
  echo "kubeconform accepted schemas/testdata/invalid.yaml" >&2; exit 1
fi
if ! grep -q "Valid: 0, Invalid: $((objects - 1)), Errors: 1" "$out/invalid.txt"; then
  echo "kubeconform let an invalid object of schemas/testdata/invalid.yaml pass:" >&2
  cat "$out/invalid.txt" >&2; exit 1
fi
echo "schemas/testdata/invalid.yaml: all $objects objects rejected"
