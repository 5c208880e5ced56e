#!/bin/bash
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d), as
# the administrator l2c (POSTGRES_USER). One database per service, owned by that service's
# own login role (no superuser); no one else may connect to it.
set -euo pipefail
for service in lead deal cpq contract billing ar insights; do
    role="${service}_svc"
    var="L2C_PG_${role^^}_PASSWORD"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!var}';
CREATE DATABASE l2c_${service} OWNER ${role};
REVOKE ALL ON DATABASE l2c_${service} FROM PUBLIC;
SQL
done
