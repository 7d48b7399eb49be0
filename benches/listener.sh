#!/usr/bin/env bash
# Load benchmark of the webhook listener with oha, against a minimal axum
# baseline on the same machine. Prints oha's summaries; the figures go into
# BENCHMARKS.md by hand, with the machine they ran on.
#
#   bash benches/listener.sh            (about 2 minutes of load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

# Two builds: a target filter such as --example applies to every package named.
cargo build --release -p hookline-cli
cargo build --release -p hookline-listener --example hello_baseline
hookline="$PWD/target/release/hookline"
baseline="$PWD/target/release/examples/hello_baseline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

# One Transform step behind an async hook; five Transforms and a Respond
# behind a sync hook.
cat > "$data/accept.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_bench", "name": "Accept benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
cat > "$data/sync.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_sync", "name": "Sync benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "sync", "respond": "sync"}},
  {"id": "stp_1", "component": "transform", "name": "T1", "inputs": {"value": {"expr": "body.order"}}},
  {"id": "stp_2", "component": "transform", "name": "T2", "inputs": {"value": {"expr": "$steps.stp_1.items"}}},
  {"id": "stp_3", "component": "transform", "name": "T3", "inputs": {"value": {"expr": "$sum($steps.stp_2.price)"}}},
  {"id": "stp_4", "component": "transform", "name": "T4", "inputs": {"value": {"expr": "$steps.stp_1.customer.name"}}},
  {"id": "stp_5", "component": "transform", "name": "T5", "inputs": {"value": {"expr": "{'who': $steps.stp_4, 'total': $steps.stp_3}"}}},
  {"id": "stp_reply", "component": "respond", "name": "Reply", "inputs": {"status": {"value": 200}, "body": {"expr": "$steps.stp_5"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_1"}, {"from": "stp_1", "to": "stp_2"}, {"from": "stp_2", "to": "stp_3"},
           {"from": "stp_3", "to": "stp_4"}, {"from": "stp_4", "to": "stp_5"}, {"from": "stp_5", "to": "stp_reply"}]}
JSON
python3 - "$data/body.json" <<'PY'
import json, sys
items = [{"sku": f"SKU-{i:04d}", "title": f"Item number {i}", "price": 9.5 + i, "quantity": i % 3 + 1} for i in range(8)]
body = {"order": {"id": "ord_0001", "customer": {"name": "Ada Lovelace", "email": "ada@example.com"}, "items": items,
        "note": "x" * 100}}
text = json.dumps(body)
text = json.dumps({**body, "pad": "y" * max(0, 1024 - len(text) - 10)})
open(sys.argv[1], "w").write(text)
print(f"body: {len(text)} bytes")
PY
for flow in accept sync; do
    "$hookline" flows import "$data/$flow.flow.json" >/dev/null
done
for flow in bench sync; do
    "$hookline" flows publish "$flow" >/dev/null
    "$hookline" flows start "$flow" >/dev/null
done

"$hookline" serve --listen 127.0.0.1:8788 --queue-bound 1000000 > /dev/null &
"$baseline" 127.0.0.1:8789 > /dev/null &
for port in 8788 8789; do
    up=no
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && { up=yes; break; }; sleep 0.1; done
    [ "$up" = yes ] || { echo "nothing answers on port $port" >&2; exit 1; }
done

# Each run starts once the executions accepted by the one before have finished,
# so a backlog does not spill into the next figures.
drain() {
    for _ in $(seq 600); do
        busy=$("$hookline" executions list --status queued --limit 1 --json; "$hookline" executions list --status running --limit 1 --json)
        [ "$(echo "$busy" | tr -d '[:space:]')" = "[][]" ] && return
        sleep 0.5
    done
}
load() {
    drain
    echo; echo "== $1"; shift
    oha --no-tui "$@" | grep -E 'Success rate|Requests/sec|Average|Slowest|(50|99)\.00% in|^ *\[[0-9]{3}\]' || true
}
post=(-m POST -H 'content-type: application/json' -D "$data/body.json")
load "baseline: axum hello world, saturation (64 connections, 10 s)" -z 10s -c 64 http://127.0.0.1:8789/
# Saturation moves by a fifth between runs of 10 s on a shared 2-core VM:
# three rounds, and BENCHMARKS.md records each and their median.
for round in 1 2 3; do
    load "durable accepts, saturation, round $round (64 connections, 10 s)" -z 10s -c 64 "${post[@]}" http://127.0.0.1:8788/hook/bench
done
load "durable accepts at 500 req/s (10 s)" -z 10s -q 500 -c 16 "${post[@]}" http://127.0.0.1:8788/hook/bench
load "durable accepts at 1000 req/s (10 s)" -z 10s -q 1000 -c 32 "${post[@]}" http://127.0.0.1:8788/hook/bench
load "sync round trip, 5 Transforms and a Respond, at 200 req/s (10 s)" -z 10s -q 200 -c 16 "${post[@]}" http://127.0.0.1:8788/hook/sync
echo
"$hookline" executions list --status failed --limit 5
