#!/usr/bin/env bash
# Soak: mixed load on one `hookline serve` for a long while, sampling its
# memory and the database's size every 10 s. The load: durable accepts,
# synchronous round trips, requests refused for bad credentials and for
# unknown flows, and test-URL captures. At the end it reports the RSS trend,
# the database size against what retention keeps, and any SQLITE_BUSY.
#
#   bash benches/soak.sh [MINUTES]      (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked
minutes=${1:-30}
seconds=$((minutes * 60))

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data" HOOKLINE_MASTER_KEY=8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT
samples="${SOAK_SAMPLES:-$PWD/target/soak-samples.csv}"

cat > "$data/flows.json" <<'JSON'
[{"schemaVersion": 1, "id": "flw_async", "name": "Async",
  "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "async"}},
            {"id": "stp_t", "component": "transform", "name": "T", "inputs": {"value": {"expr": "body.n * 2"}}}],
  "edges": [{"from": "stp_hook", "to": "stp_t"}]},
 {"schemaVersion": 1, "id": "flw_sync", "name": "Sync",
  "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "sync", "respond": "sync"}},
            {"id": "stp_t", "component": "transform", "name": "T", "inputs": {"value": {"expr": "{'double': body.n * 2}"}}},
            {"id": "stp_reply", "component": "respond", "name": "Reply", "inputs": {"status": {"value": 200}, "body": {"expr": "$steps.stp_t"}}}],
  "edges": [{"from": "stp_hook", "to": "stp_t"}, {"from": "stp_t", "to": "stp_reply"}]},
 {"schemaVersion": 1, "id": "flw_guarded", "name": "Guarded",
  "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "credential": "partner", "config": {"slug": "guarded"}},
            {"id": "stp_t", "component": "transform", "name": "T", "inputs": {"value": {"expr": "body"}}}],
  "edges": [{"from": "stp_hook", "to": "stp_t"}]}]
JSON
printf 'token=soak-partner-token\n' | "$hookline" vault add partner --kind bearer >/dev/null
python3 - "$data" <<'PY'
import json, sys
for flow in json.load(open(sys.argv[1] + "/flows.json")):
    json.dump(flow, open(f"{sys.argv[1]}/{flow['id']}.flow.json", "w"))
PY
for flow in async sync guarded; do
    "$hookline" flows import "$data/flw_$flow.flow.json" >/dev/null
    "$hookline" flows publish "$flow" >/dev/null
    "$hookline" flows start "$flow" >/dev/null
done
echo '{"n": 21, "note": "soak"}' > "$data/body.json"

port=8791
"$hookline" serve --listen "127.0.0.1:$port" > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# A capture window for the async flow, open for the whole soak.
"$hookline" capture async --timeout "$seconds" >/dev/null 2>&1 &

post=(--no-tui -m POST -H 'content-type: application/json' -D "$data/body.json" -z "${seconds}s")
oha "${post[@]}" -q 400 -c 16 "$base/hook/async" > "$data/async.txt" 2>&1 &
oha "${post[@]}" -q 50 -c 8 "$base/hook/sync" > "$data/sync.txt" 2>&1 &
oha "${post[@]}" -q 50 -c 4 -H 'authorization: Bearer wrong-token' "$base/hook/guarded" > "$data/refused.txt" 2>&1 &
oha "${post[@]}" -q 50 -c 4 "$base/hook/no-such-flow" > "$data/unknown.txt" 2>&1 &
oha "${post[@]}" -q 5 -c 1 "$base/hook-test/async" > "$data/captures.txt" 2>&1 &

echo "seconds,rss_kib,db_bytes,wal_bytes" > "$samples"
start=$(date +%s)
while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    sleep 10
    rss=$(ps -o rss= -p "$server" | tr -d ' ')
    db=$(stat -c %s "$data/hookline.db")
    wal=$(stat -c %s "$data/hookline.db-wal" 2>/dev/null || echo 0)
    echo "$(($(date +%s) - start)),$rss,$db,$wal" >> "$samples"
done
sleep 5

for part in async sync refused unknown captures; do
    echo "== $part"
    grep -E 'Success rate|Requests/sec|99\.00% in|^ *\[[0-9]{3}\]' "$data/$part.txt" || true
done
busy=$(grep -ciE 'SQLITE_BUSY|database is locked' "$data/serve.log" || true)
echo "SQLITE_BUSY or 'database is locked' in the log: $busy"
python3 - "$samples" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
rss = [int(r["rss_kib"]) for r in rows]
db = [int(r["db_bytes"]) + int(r["wal_bytes"]) for r in rows]
third = max(1, len(rss) // 3)
early, late = sum(rss[third:2 * third]) / third, sum(rss[-third:]) / third
print(f"samples: {len(rows)}; RSS min {min(rss)} KiB, max {max(rss)} KiB; middle third {early:.0f} KiB, last third {late:.0f} KiB ({(late - early) / early * 100:+.1f} %)")
print(f"database + WAL: first {db[0] / 1e6:.1f} MB, last {db[-1] / 1e6:.1f} MB")
PY
python3 - "$data/hookline.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
          for t in ["executions", "step_runs", "inbox", "idempotency", "captures"]}
print("rows kept at the end:", ", ".join(f"{t} {n}" for t, n in counts.items()))
PY
echo "samples: $samples"
