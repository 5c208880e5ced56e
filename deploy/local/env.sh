#!/usr/bin/env bash
# Print the settings an operator, a test run or the demo needs on the local infrastructure,
# as shell exports:  eval "$(deploy/local/env.sh)"
#
# They act as the administrators (Kafka principal `admin`, PostgreSQL role `l2c`): tests
# create topics and databases, the launcher gives each service process its own principal
# and database role from the same secrets directory. CONTRACT_ESIGNATURE_SECRET is the
# e-signature provider's shared secret (contract-svc does not start without one).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=secrets.sh
. "$HERE/secrets.sh"
cat <<EOS
export L2C_SECRETS_DIR='$SECRETS_DIR'
export KAFKA_BOOTSTRAP='127.0.0.1:${KAFKA_PORT:-9092}'
export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=SCRAM-SHA-512
export KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD='$(secret kafka-admin)'
export CONTRACT_ESIGNATURE_SECRET='$(secret esignature-webhook)'
export L2C_PG_URL='postgresql://l2c:$(secret pg-l2c)@127.0.0.1:${PGPORT:-5432}'
EOS
