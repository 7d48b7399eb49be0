#!/usr/bin/env bash
# Benchmark of the Database action through a flow: a hook whose one step
# inserts the order it receives, into a SQLite file and into a real
# PostgreSQL server (scripts/lib/postgres.sh starts a throwaway one). For each
# engine: the durable accept rate with oha (64 connections, 10 s), then the
# inserts per second the runner sustains while it works the queue off, counted
# from the rows that arrived. The figures go into BENCHMARKS.md by hand.
#
#   bash benches/database.sh            (about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/lib/postgres.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$data"' EXIT
"$hookline" vault create-key-file >/dev/null
pg_start
pg_sql "CREATE TABLE orders (id text, customer text, total double precision, received timestamptz DEFAULT now())"
sqlite_file="$data/orders.db"
python3 -c "import sqlite3; sqlite3.connect('$sqlite_file').execute('CREATE TABLE orders (id TEXT, customer TEXT, total REAL)')"
printf 'url=sqlite://%s\n' "$sqlite_file" | "$hookline" vault add orders-sqlite --kind database_url >/dev/null
printf 'url=%s\n' "$PG_URL" | "$hookline" vault add orders-postgres --kind database_url >/dev/null

# One flow per engine: webhook → Database (INSERT with three bound parameters).
flow() { # id slug credential placeholders
    cat > "$data/$1.flow.json" <<JSON
{"schemaVersion": 1, "id": "$1", "name": "$1",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "$2"}},
  {"id": "stp_insert", "component": "database", "name": "Insert", "credential": "$3",
   "inputs": {"sql": {"value": "INSERT INTO orders (id, customer, total) VALUES ($4)"},
              "params": {"expr": "[body.order.id, body.order.customer.name, body.order.total]"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_insert"}]}
JSON
    "$hookline" flows import "$data/$1.flow.json" >/dev/null
    "$hookline" flows publish "$1" >/dev/null
    "$hookline" flows start "$1" >/dev/null
}
flow flw_sqlite orders-sqlite orders-sqlite '?, ?, ?'
flow flw_postgres orders-postgres orders-postgres '$1, $2, $3'
echo '{"order": {"id": "ord_0001", "customer": {"name": "Ada Lovelace"}, "total": 99.5}}' > "$data/body.json"

"$hookline" serve --listen 127.0.0.1:8791 --queue-bound 1000000 > "$data/serve.log" 2>&1 &
up=no
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:8791/" && { up=yes; break; }; sleep 0.1; done
[ "$up" = yes ] || { echo "nothing answers on port 8791" >&2; exit 1; }

busy() {
    local queued running
    queued=$("$hookline" executions list --status queued --limit 1 --json | tr -d '[:space:]')
    running=$("$hookline" executions list --status running --limit 1 --json | tr -d '[:space:]')
    [ "$queued$running" != "[][]" ]
}
sqlite_rows() { python3 -c "import sqlite3; print(sqlite3.connect('$sqlite_file').execute('SELECT count(*) FROM orders').fetchone()[0])"; }
postgres_rows() { pg_sql "SELECT count(*) FROM orders"; }

for engine in sqlite postgres; do
    echo; echo "== webhook → Database into $engine: durable accepts, saturation (64 connections, 10 s)"
    before=$("${engine}_rows")
    start=$(date +%s.%N)
    oha --no-tui -z 10s -c 64 -m POST -H 'content-type: application/json' -D "$data/body.json" \
        "http://127.0.0.1:8791/hook/orders-$engine" | grep -E 'Success rate|Requests/sec|(50|99)\.00% in|^ *\[[0-9]{3}\]' || true
    while busy; do sleep 0.2; done
    end=$(date +%s.%N)
    after=$("${engine}_rows")
    python3 -c "rows = $after - $before; seconds = $end - $start; print(f'{rows} rows inserted in {seconds:.1f} s: {rows / seconds:.0f} inserts/s through the flow, accept and run included')"
done
failed=$("$hookline" executions list --status failed --limit 5 --json | tr -d '[:space:]')
[ "$failed" = "[]" ] || { echo "failed executions: $failed" >&2; exit 1; }
