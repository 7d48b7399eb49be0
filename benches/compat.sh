#!/usr/bin/env bash
# Accepts per second of each seed platform's route beside /hook/{flow}, in
# one run against one `hookline serve`: Pydio Cells, Boomerang Flow (its
# token in the body) and Cloudomation (`?async`, its key in the body). The
# same 1 KiB body and flow behind each. The figures go into BENCHMARKS.md
# by hand.
#
#   bash benches/compat.sh            (about 2 minutes of load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$data"' EXIT

cat > "$data/accept.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_bench", "name": "Accept benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
"$hookline" flows import "$data/accept.flow.json" >/dev/null
"$hookline" flows publish bench >/dev/null
"$hookline" flows start bench >/dev/null
token=$("$hookline" flows token bench 2>/dev/null)

# The same order body for every route; Boomerang's carries the token and
# Cloudomation's a (here unchecked) key, as their clients send them.
python3 - "$data" "$token" <<'PY'
import json, sys
data, token = sys.argv[1], sys.argv[2]
items = [{"sku": f"SKU-{i:04d}", "title": f"Item number {i}", "price": 9.5 + i, "quantity": i % 3 + 1} for i in range(8)]
body = {"order": {"id": "ord_0001", "customer": {"name": "Ada Lovelace", "email": "ada@example.com"}, "items": items,
        "note": "x" * 100}}
text = json.dumps(body)
body["pad"] = "y" * max(0, 1024 - len(text) - 10)
for name, extra in [("body", {}), ("boomerang", {"token": token}), ("cloudomation", {"key": "unused-key"})]:
    open(f"{data}/{name}.json", "w").write(json.dumps({**body, **extra}))
PY

"$hookline" serve --listen 127.0.0.1:8788 --queue-bound 1000000 > /dev/null &
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8788/ && break; sleep 0.1; done

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
    oha --no-tui -z 10s -c 64 -m POST -H 'content-type: application/json' "$@" \
        | grep -E 'Success rate|Requests/sec|(50|99)\.00% in|^ *\[[0-9]{3}\]' || true
}
# Twice round, so a figure that drifts with the database's growth shows.
for round in 1 2; do
    load "round $round: /hook/bench" -D "$data/body.json" http://127.0.0.1:8788/hook/bench
    load "round $round: Pydio Cells /a/scheduler/hooks/bench" -D "$data/body.json" http://127.0.0.1:8788/a/scheduler/hooks/bench
    load "round $round: Boomerang /webhook/payload" -D "$data/boomerang.json" http://127.0.0.1:8788/webhook/payload
    load "round $round: Cloudomation /api/webhook/local/bench?async" -D "$data/cloudomation.json" \
        "http://127.0.0.1:8788/api/webhook/local/bench?async"
done
echo
"$hookline" executions list --status failed --limit 5
