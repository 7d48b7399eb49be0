#!/usr/bin/env bash
# Scale-out benchmark: 1, 2 and 4 `hookline serve` processes on one local
# PostgreSQL (scripts/lib/postgres.sh starts a throwaway one), beside one
# process on SQLite. For each setup: durable accepts/s at saturation (oha
# against every process at once, 64 connections in all, 10 s), executions/s
# (from the first accept until the queue is empty, counted in the database),
# and the accept latency at 1,000 req/s spread over the processes. The
# figures go into BENCHMARKS.md by hand.
#
#   bash benches/scale_out.sh            (about four minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/lib/postgres.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$work"' EXIT
pg_start

# Webhook → one Transform, as in benches/listener.sh; the same 1 KiB body.
cat > "$work/accept.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_bench", "name": "Accept benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
python3 - "$work/body.json" <<'PY'
import json, sys
body = {"order": {"id": "ord_0001", "customer": {"name": "Ada Lovelace"}, "note": "x" * 100}}
text = json.dumps(body)
open(sys.argv[1], "w").write(json.dumps({**body, "pad": "y" * max(0, 1024 - len(text) - 10)}))
PY
key="$work/master.key"
python3 -c "import secrets; print(secrets.token_hex(32))" > "$key"
export HOOKLINE_MASTER_KEY
HOOKLINE_MASTER_KEY=$(cat "$key")

# prepare URL DIR: the flow, published and started, in the database at URL.
prepare() {
    local url=$1 dir=$2
    mkdir -p "$dir"
    HOOKLINE_DATA_DIR="$dir" HOOKLINE_DATABASE_URL="$url" "$hookline" flows import "$work/accept.flow.json" >/dev/null
    HOOKLINE_DATA_DIR="$dir" HOOKLINE_DATABASE_URL="$url" "$hookline" flows publish bench >/dev/null
    HOOKLINE_DATA_DIR="$dir" HOOKLINE_DATABASE_URL="$url" "$hookline" flows start bench >/dev/null
}

# run LABEL URL PROCESSES COUNT_SQL: starts the processes, loads them, stops them.
run() {
    local label=$1 url=$2 processes=$3 count=$4 ports=() pids=()
    echo; echo "== $label: $processes process(es)"
    for n in $(seq "$processes"); do
        local port=$((8800 + n)) dir="$work/$label-$n"
        mkdir -p "$dir"
        HOOKLINE_DATA_DIR="$dir" HOOKLINE_DATABASE_URL="$url" \
            "$hookline" serve --listen "127.0.0.1:$port" --queue-bound 1000000 > "$dir/serve.log" 2>&1 &
        pids+=($!)
        ports+=("$port")
    done
    for port in "${ports[@]}"; do
        for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
    done
    local before start end after connections=$((64 / processes))
    before=$($count)
    start=$(date +%s.%N)
    local loads=()
    for port in "${ports[@]}"; do
        oha --no-tui -z 10s -c "$connections" -m POST -H 'content-type: application/json' -D "$work/body.json" \
            "http://127.0.0.1:$port/hook/bench" > "$work/oha-$port.txt" &
        loads+=($!)
    done
    wait "${loads[@]}"
    python3 - "$work" "${ports[@]}" <<'PY'
import re, sys
accepted = 0.0
for port in sys.argv[2:]:
    text = open(f"{sys.argv[1]}/oha-{port}.txt").read()
    seconds = float(re.search(r"Total:\s+([\d.]+) sec", text).group(1))
    codes = {code: int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    print(f"  :{port} {ok / seconds:.0f} accepted/s (2xx), answers {codes}")
    accepted += ok / seconds
# Only 2xx count: a 503 (overloaded, retry) stored nothing.
print(f"  durable accepts: {accepted:.0f}/s in all")
PY
    # The queue is empty when no execution is queued or running.
    while [ "$($count unfinished)" != 0 ]; do sleep 0.2; done
    end=$(date +%s.%N)
    after=$($count)
    python3 -c "n = $after - $before; s = $end - $start; print(f'  executions: {n} finished in {s:.1f} s = {n / s:.0f}/s')"
    echo "  latency at 1,000 req/s over the processes (10 s):"
    local rate=$((1000 / processes))
    loads=()
    for port in "${ports[@]}"; do
        oha --no-tui -z 10s -q "$rate" -c 16 -m POST -H 'content-type: application/json' -D "$work/body.json" \
            "http://127.0.0.1:$port/hook/bench" > "$work/lat-$port.txt" &
        loads+=($!)
    done
    wait "${loads[@]}"
    for port in "${ports[@]}"; do
        echo "  :$port $(grep -E '(50|99)\.00% in' "$work/lat-$port.txt" | tr -s ' ' | tr '\n' ' ')"
    done
    while [ "$($count unfinished)" != 0 ]; do sleep 0.2; done
    kill "${pids[@]}"
    wait "${pids[@]}" 2>/dev/null || true
}

pg_count() {
    if [ "${1:-}" = unfinished ]; then
        pg_sql "SELECT count(*) FROM executions WHERE status IN ('queued', 'running')"
    else
        pg_sql "SELECT count(*) FROM executions WHERE status = 'succeeded'"
    fi
}
sqlite_db="$work/sqlite-1/hookline.db"
sqlite_count() {
    local where="status = 'succeeded'"
    [ "${1:-}" = unfinished ] && where="status IN ('queued', 'running')"
    python3 -c "import sqlite3; print(sqlite3.connect('file:$sqlite_db?mode=ro', uri=True).execute(\"SELECT count(*) FROM executions WHERE $where\").fetchone()[0])"
}

prepare "sqlite://$sqlite_db" "$work/sqlite-1"
run sqlite "sqlite://$sqlite_db" 1 sqlite_count
prepare "$PG_URL" "$work/prepare"
for processes in 1 2 4; do
    run postgres "$PG_URL" "$processes" pg_count
done
