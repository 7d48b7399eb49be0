#!/usr/bin/env bash
# Intake while retention prunes a million old executions: the accept p99 at
# 1,000 requests a second, first with nothing to prune, then on a copy of the
# same database while the background prune deletes everything past 14 days.
# The goal: p99 during pruning at most 20 % above the figure without.
#
#   bash benches/prune.sh [ROWS] [SECONDS]   (default 1000000 rows, 60 s of load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked
rows=${1:-1000000}
seconds=${2:-60}

cargo build --release -p hookline-cli
cargo build --release -p hookline-store --example seed_runlog
hookline="$PWD/target/release/hookline"
seed="$PWD/target/release/examples/seed_runlog"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# One data dir: the bench flow, then a million executions 20 to 30 days old.
base="$work/base"
mkdir -p "$base"
export HOOKLINE_DATA_DIR="$base"
cat > "$work/accept.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_bench", "name": "Accept benchmark",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.n"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
echo '{"n": 1, "note": "an order of one thing"}' > "$work/body.json"
"$hookline" flows import "$work/accept.flow.json" >/dev/null
"$hookline" flows publish bench >/dev/null
"$hookline" flows start bench >/dev/null
"$seed" "$base/hookline.db" "$rows" 30 20
"$hookline" storage status

run() { # NAME RETENTION_DAYS
    local dir="$work/$1" port=8791
    cp -r "$base" "$dir"
    # The copy sits dirty in the page cache: without this, the listener's first
    # checkpoint would wait for the kernel to write all of it (a stall of
    # 300-450 ms that belongs to the copy, not to the listener).
    sync
    HOOKLINE_DATA_DIR="$dir" "$hookline" serve --listen "127.0.0.1:$port" --retention-days "$2" \
        --keep-executions 100000000 > "$dir/serve.log" 2>&1 &
    local server=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    echo "== $1: 1,000 req/s for ${seconds} s, 32 connections (retention ${2} days)"
    oha --no-tui --output-format json -z "${seconds}s" -q 1000 -c 32 -m POST -H 'content-type: application/json' \
        -D "$work/body.json" "http://127.0.0.1:$port/hook/bench" > "$work/$1.json"
    kill "$server"; wait "$server" 2>/dev/null || true
    python3 - "$work/$1.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
p = report["latencyPercentiles"]
codes = report.get("statusCodeDistribution", {})
print(f"answers/s {report['summary']['requestsPerSec']:.0f}  p50 {p['p50']*1000:.1f} ms  p99 {p['p99']*1000:.1f} ms  p99.9 {p['p99.9']*1000:.1f} ms  codes {codes}")
PY
    HOOKLINE_DATA_DIR="$dir" "$hookline" storage status | grep -E "executions|last prune" || true
    rm -rf "$dir"
}

run baseline 3650
run pruning 14
