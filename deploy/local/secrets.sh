# Sourced by kafka.sh and postgres.sh: the local credentials, generated on first use.
#
# One file per credential under $L2C_HOME/secrets (mode 0600, directory 0700):
#   kafka-<principal>.password   SCRAM-SHA-512 password of a Kafka principal
#   pg-<role>.password           password of a PostgreSQL login role
# A file, once written, is kept: the credentials are stable across restarts. To rotate one,
# replace its file and restart (docs/kafka-and-database-access.md).

SECRETS_DIR="${L2C_HOME:-$HOME/.l2c}/secrets"

# secret NAME -> prints the credential in $SECRETS_DIR/NAME.password, creating it first
# (32 random letters and digits: nothing to quote in JAAS, SQL or URLs).
secret() {
    local file="$SECRETS_DIR/$1.password"
    if [ ! -s "$file" ]; then
        (
            umask 077
            mkdir -p "$SECRETS_DIR"
            chmod 700 "$SECRETS_DIR"
            local value=""
            while [ "${#value}" -lt 32 ]; do
                value="$value$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
            done
            printf '%s\n' "${value:0:32}" >"$file.tmp.$$"
            mv "$file.tmp.$$" "$file"
        )
    fi
    chmod 600 "$file"
    head -n 1 "$file"
}
