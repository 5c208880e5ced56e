#!/usr/bin/env bash
# Start the local infrastructure (PostgreSQL + Kafka) without Docker. Idempotent.
# See deploy/local/README.md for ports, env vars and log locations.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/postgres.sh" start
"$HERE/kafka.sh" start
cat <<INFO
L2C local infrastructure is up:
  KAFKA_BOOTSTRAP=127.0.0.1:${KAFKA_PORT:-9092} (SASL/SCRAM-SHA-512)
  PostgreSQL 127.0.0.1:${PGPORT:-5432}, databases l2c_<lead|deal|cpq|contract|billing|ar>
  credentials: ${L2C_HOME:-$HOME/.l2c}/secrets; administrator settings: eval "\$(deploy/local/env.sh)"
INFO
