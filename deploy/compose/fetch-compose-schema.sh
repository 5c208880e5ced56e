#!/usr/bin/env bash
# Print the path of the official Compose Specification JSON schema, fetching it on first use.
#
# The schema is not committed here (it is the compose-spec project's text). It comes from a
# PyPI package that vendors it: check-jsonschema (builtin_schemas/vendor/compose-spec.json,
# a 2020-12 draft schema tracking compose-spec/compose-spec). The wheel is fetched with
# `pip download` into a cache dir and the schema is checked against the sha256 the wheel ships.
#
#   deploy/compose/fetch-compose-schema.sh        -> prints /path/to/compose-spec.json
#
# Environment:
#   COMPOSE_SCHEMA_CACHE    cache dir (default: ${L2C_HOME:-$HOME/.l2c}/cache/compose-schema)
#   COMPOSE_SCHEMA_PACKAGE  pip requirement (default: check-jsonschema==0.39.0)
set -euo pipefail

PKG="${COMPOSE_SCHEMA_PACKAGE:-check-jsonschema==0.39.0}"
CACHE="${COMPOSE_SCHEMA_CACHE:-${L2C_HOME:-$HOME/.l2c}/cache/compose-schema}"
TAG="$(printf '%s' "$PKG" | tr -c 'A-Za-z0-9.=_-' '_')"
OUT="$CACHE/$TAG/compose-spec.json"

if [ -s "$OUT" ]; then echo "$OUT"; exit 0; fi

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/tmp.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Any pip will do: the one of the current python (absent in uv-made venvs), the system's, or uvx's.
fetched=0
for pip_cmd in "python3 -m pip" "/usr/bin/python3 -m pip" "pip3" "pip" "uvx pip"; do
    set -- $pip_cmd
    command -v "$1" >/dev/null 2>&1 || continue
    if $pip_cmd download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
            -d "$WORK" "$PKG" >"$WORK/pip.log" 2>&1; then
        fetched=1; break
    fi
done
if [ "$fetched" != 1 ]; then
    cat "$WORK/pip.log" >&2 2>/dev/null || true
    echo "fetch-compose-schema: could not pip download $PKG" >&2
    exit 1
fi

PY="$(command -v python3 || command -v python)"
"$PY" - "$WORK" "$OUT" <<'PYEOF'
import glob, hashlib, json, os, sys, zipfile

work, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(work, "*.whl"))[0]
candidates = [
    "check_jsonschema/builtin_schemas/vendor/compose-spec.json",  # check-jsonschema
    "compose/config/compose_spec.json",                          # docker-compose 1.x (old)
]
with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    member = next((c for c in candidates if c in names), None)
    if member is None:
        sys.exit(f"fetch-compose-schema: no compose schema inside {os.path.basename(wheel)}")
    data = zf.read(member)
    sha_member = "check_jsonschema/builtin_schemas/vendor/sha256/compose-spec.sha256"
    if member.startswith("check_jsonschema/") and sha_member in names:
        want = zf.read(sha_member).decode().split()[0].strip()
        got = hashlib.sha256(data).hexdigest()
        if want != got:
            sys.exit(f"fetch-compose-schema: sha256 mismatch {got} != {want}")
json.loads(data)  # must parse
os.makedirs(os.path.dirname(out), exist_ok=True)
tmp = out + ".tmp"
with open(tmp, "wb") as fh:
    fh.write(data)
os.replace(tmp, out)
PYEOF
echo "$OUT"
