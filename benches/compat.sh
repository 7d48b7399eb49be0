#!/usr/bin/env bash
# Accepts per second of each seed platform's route beside /hook/{flow},
# `hookline serve` driven by oha: Pydio Cells, Boomerang Flow (its
# token in the body) and Cloudomation (`?async`, its key in the body). The
# same 1 KiB body and flow behind each, a fresh server and data directory
# per run. The figures go into BENCHMARKS.md by hand.
#
#   bash benches/compat.sh            (about 3 minutes of load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/accept.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_bench", "name": "Accept benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON

# The same order body for every route; Boomerang's carries the token and
# Cloudomation's a (here unchecked) key, as their clients send them.
write_bodies() {
    python3 - "$1" "$2" <<'PY'
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
}

# Each route is measured against a server of its own on a fresh data
# directory, so no figure pays for the rows an earlier run left behind.
server=""
fresh() {
    [ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; }
    export HOOKLINE_DATA_DIR="$work/$1"
    mkdir -p "$HOOKLINE_DATA_DIR"
    "$hookline" flows import "$work/accept.flow.json" >/dev/null
    "$hookline" flows publish bench >/dev/null
    "$hookline" flows start bench >/dev/null
    write_bodies "$HOOKLINE_DATA_DIR" "$("$hookline" flows token bench 2>/dev/null)"
    "$hookline" serve --listen 127.0.0.1:8788 --queue-bound 1000000 > /dev/null &
    server=$!
    for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8788/ && return; sleep 0.1; done
    echo "nothing answers on port 8788" >&2; exit 1
}

load() {
    local name=$1 label=$2 body=$3 url=$4
    fresh "$name-$round"
    echo; echo "== round $round: $label"
    oha --no-tui -z 10s -c 64 -m POST -H 'content-type: application/json' -D "$HOOKLINE_DATA_DIR/$body.json" "$url" \
        > "$work/oha.txt"
    grep -E 'Success rate|Requests/sec|(50|99)\.00% in|^ *\[[0-9]{3}\]' "$work/oha.txt" || true
    awk -v route="$label" '/Requests\/sec/ {print route "\t" $2}' "$work/oha.txt" >> "$work/rates.tsv"
    "$hookline" executions list --status failed --limit 3
}
# Three rounds, each route in turn: this machine's figures move by a quarter
# between runs, so the summary compares medians.
for round in 1 2 3; do
    load hook "/hook/bench" body http://127.0.0.1:8788/hook/bench
    load cells "Pydio Cells /a/scheduler/hooks/bench" body http://127.0.0.1:8788/a/scheduler/hooks/bench
    load boomerang "Boomerang /webhook/payload" boomerang http://127.0.0.1:8788/webhook/payload
    load cloudomation "Cloudomation /api/webhook/local/bench?async" cloudomation \
        "http://127.0.0.1:8788/api/webhook/local/bench?async"
done
echo
echo "== median accepts/s of the three rounds, against /hook/bench"
python3 - "$work/rates.tsv" <<'PY'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    route, rate = line.rstrip("\n").split("\t")
    rates.setdefault(route, []).append(float(rate))
base = statistics.median(rates["/hook/bench"])
for route, values in rates.items():
    median = statistics.median(values)
    runs = ", ".join(f"{v:,.0f}" for v in values)
    print(f"{route:48} {median:8,.0f}/s  {100 * (median / base - 1):+6.1f} %   ({runs})")
PY
