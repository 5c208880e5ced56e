#!/bin/sh
# One-shot: add the ACL bindings of deploy/local/kafka/acls.txt (mounted at /acl) to the
# compose broker as the admin, with the image's kafka-acls.sh (adding is idempotent).
set -eu
CONFIG=/tmp/admin.properties
umask 077
cat >"$CONFIG" <<CONFIG_EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${L2C_KAFKA_ADMIN_PASSWORD}";
CONFIG_EOF
grep -v '^[[:space:]]*#' /acl/acls.txt | while read -r principal operations resource pattern names; do
    [ -n "$principal" ] || continue
    set -- --add --allow-principal "User:$principal" --resource-pattern-type "$pattern"
    for operation in $(echo "$operations" | tr ',' ' '); do set -- "$@" --operation "$operation"; done
    for name in $names; do set -- "$@" "--$resource" "$name"; done
    /opt/kafka/bin/kafka-acls.sh --bootstrap-server kafka:9092 --command-config "$CONFIG" "$@" >/dev/null
done
echo "ACLs of /acl/acls.txt applied"
