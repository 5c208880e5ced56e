#!/usr/bin/env bash
# Run every bench/bench_*.py one after the other, each with the arguments given here (e.g.
# --smoke), even when an earlier one failed; name the failed ones at the end and exit non-zero
# then. `make bench` and `make bench-smoke` call this.
set -uo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"

failed=()
began=$(date +%s)
for script in bench/bench_*.py; do
  [ -e "$script" ] || continue
  echo "== $script $*"
  started=$(date +%s)
  if "$UV" run --frozen python "$script" "$@"; then
    echo "== $script passed ($(( $(date +%s) - started ))s)"
  else
    echo "== $script FAILED (exit $?, $(( $(date +%s) - started ))s)"
    failed+=("$script")
  fi
done

echo "== benchmarks took $(( $(date +%s) - began ))s"
if (( ${#failed[@]} )); then
  echo "== failed: ${failed[*]}"
  exit 1
fi
echo "== every benchmark ran"
