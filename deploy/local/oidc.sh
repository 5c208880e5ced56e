#!/usr/bin/env bash
# Run the local OpenID Connect issuer (discovery document + JWKS over HTTP) that the services
# verify bearer tokens against in development, the demo and the tests.
#
#   deploy/local/oidc.sh start|stop|restart|status|rotate|retire <kid>|keys
#
# Keys: ${L2C_HOME:-$HOME/.l2c}/oidc/keys/<kid>.pem, an RSA key made on first start.
# `rotate` adds a key that signs from then on; tokens of older keys stay valid until
# `retire <kid>` removes their key. Tokens: `uv run l2c token --role <role>`.
#
# Environment:
#   L2C_HOME        state root (default: $HOME/.l2c)
#   L2C_OIDC_PORT   TCP port on 127.0.0.1 (default 9400); the issuer is http://127.0.0.1:<port>
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
L2C_HOME="${L2C_HOME:-$HOME/.l2c}"
OIDC_DIR="$L2C_HOME/oidc"
PIDFILE="$OIDC_DIR/issuer.pid"
LOG="$OIDC_DIR/issuer.log"
export L2C_HOME L2C_OIDC_PORT="${L2C_OIDC_PORT:-9400}"
unset L2C_OIDC_ISSUER  # the local issuer names itself by its port

log() { echo "[oidc.sh] $*" >&2; }

python_cmd() {
    if [ -x "$ROOT/.venv/bin/python" ]; then
        "$ROOT/.venv/bin/python" "$@"
    else
        (cd "$ROOT" && uv run --frozen python "$@")
    fi
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

answering() {
    python_cmd - <<PY 2>/dev/null
import urllib.request
urllib.request.urlopen("http://127.0.0.1:$L2C_OIDC_PORT/.well-known/openid-configuration", timeout=1)
PY
}

start() {
    if running; then log "already running (pid $(cat "$PIDFILE")) on port $L2C_OIDC_PORT"; return; fi
    if answering; then log "ERROR: port $L2C_OIDC_PORT is taken by another process"; exit 1; fi
    mkdir -p "$OIDC_DIR"
    chmod 700 "$OIDC_DIR"
    nohup "$0" _serve >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
        if answering; then
            log "issuer http://127.0.0.1:$L2C_OIDC_PORT ready (keys: $OIDC_DIR/keys, log: $LOG)"
            return
        fi
        running || { log "ERROR: the issuer exited; see $LOG"; tail -n 20 "$LOG" >&2; exit 1; }
        sleep 0.1
    done
    log "ERROR: the issuer did not answer within 10 s; see $LOG"; exit 1
}

stop() {
    if running; then
        kill "$(cat "$PIDFILE")" && log "stopped"
    else
        log "not running"
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status)
        if running; then log "running (pid $(cat "$PIDFILE")) on port $L2C_OIDC_PORT"; exit 0; fi
        log "stopped"; exit 3 ;;
    rotate) python_cmd -m l2c_platform.local_issuer rotate ;;
    retire) python_cmd -m l2c_platform.local_issuer retire "${2:?kid}" ;;
    keys) python_cmd -m l2c_platform.local_issuer keys ;;
    _serve)
        cd "$ROOT"
        if [ -x .venv/bin/python ]; then exec .venv/bin/python -m l2c_platform.local_issuer serve; fi
        exec uv run --frozen python -m l2c_platform.local_issuer serve ;;
    *) echo "usage: $0 start|stop|restart|status|rotate|retire <kid>|keys" >&2; exit 2 ;;
esac
