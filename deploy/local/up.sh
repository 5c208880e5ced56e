#!/usr/bin/env bash
# Start the local infrastructure (PostgreSQL + Kafka + the token issuer) without Docker. Idempotent.
# See deploy/local/README.md for ports, env vars and log locations.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/postgres.sh" start
"$HERE/kafka.sh" start
"$HERE/oidc.sh" start
cat <<INFO
L2C local infrastructure is up:
  KAFKA_BOOTSTRAP=127.0.0.1:${KAFKA_PORT:-9092} (SASL/SCRAM-SHA-512)
  PostgreSQL 127.0.0.1:${PGPORT:-5432}, databases l2c_<lead|deal|cpq|contract|billing|ar|insights>
  credentials: ${L2C_HOME:-$HOME/.l2c}/secrets; administrator settings: eval "\$(deploy/local/env.sh)"
  L2C_OIDC_ISSUER=http://127.0.0.1:${L2C_OIDC_PORT:-9400}   (tokens: uv run l2c token --role <role>)
INFO
