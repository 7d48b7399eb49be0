# shellcheck shell=bash
# Sourced by the scripts that need a real PostgreSQL (benchmarks): pg_start
# runs a throwaway server from Debian's `postgresql` packages (scripts/setup.sh
# installs them), initialised in a temporary directory and listening on a free
# port of 127.0.0.1 only, as the `postgres` user when run as root (initdb
# refuses root). It sets PG_URL to a database `hookline` on it; pg_stop stops
# the server and removes the directory. The Rust tests start theirs through
# crates/testdb the same way. A script may hand PG_URL to a test process as
# HOOKLINE_TEST_POSTGRES_URL; crates/testdb's shared() then uses this server
# instead of starting one per process.

pg_bindir() {
    local dir
    dir=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$dir/initdb" ] || dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$dir/initdb" ] || { echo "PostgreSQL is not installed: run scripts/setup.sh" >&2; return 1; }
    echo "$dir"
}

# Runs a PostgreSQL program as the user that owns the server.
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    PG_BIN=$(pg_bindir)
    PG_DIR=$(mktemp -d)
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
    pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres hookline
    PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/hookline"
}

pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}

# Runs SQL on the server's `hookline` database and prints the result unaligned.
pg_sql() {
    pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d hookline -qtAX -c "$1"
}
