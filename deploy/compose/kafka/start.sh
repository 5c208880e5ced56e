#!/bin/sh
# Start the compose broker (apache/kafka image) with SASL/SCRAM-SHA-512 and the
# StandardAuthorizer: the same settings as deploy/local/kafka.sh. The SCRAM credentials of
# every principal go into the first metadata at format time (the broker logs in as admin).
set -eu
PROPS=/tmp/server.properties
cat >"$PROPS" <<PROPS_EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=CLIENT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093,HOST://0.0.0.0:29092
advertised.listeners=CLIENT://kafka:9092,HOST://localhost:29092
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${L2C_KAFKA_ADMIN_PASSWORD}";
listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${L2C_KAFKA_ADMIN_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
log.dirs=/var/lib/kafka/data
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS_EOF
chmod 600 "$PROPS"
# Every principal of /acl/acls.txt (and admin); its password is L2C_KAFKA_<NAME>_PASSWORD.
set --
for principal in admin $(grep -v '^[[:space:]]*#' /acl/acls.txt | awk 'NF { print $1 }' | sort -u); do
    variable="L2C_KAFKA_$(echo "$principal" | tr 'a-z-' 'A-Z_')_PASSWORD"
    password="$(printenv "$variable")" || { echo "$variable is not set" >&2; exit 1; }
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=$principal,password=$password]"
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$PROPS" "$@"
exec /opt/kafka/bin/kafka-server-start.sh "$PROPS"
