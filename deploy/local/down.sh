#!/usr/bin/env bash
# Stop the local infrastructure started by up.sh (data is kept; use `<script> reset` to wipe).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rc=0
"$HERE/oidc.sh" stop || rc=1
"$HERE/kafka.sh" stop || rc=1
"$HERE/postgres.sh" stop || rc=1
exit $rc
