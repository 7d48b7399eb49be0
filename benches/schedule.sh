#!/usr/bin/env bash
# Schedule precision: one flow on a one-second schedule (`* * * * * *`) under
# `hookline serve` (release build) for MINUTES. Each run's input says when its
# slot was due (`scheduledFor`) and when the scheduler fired it (`firedAt`);
# the run log says when the execution started (`startedAt`). It reports the
# lag from due to start (p50, p99, max), the part of it before the fire,
# and every slot of the window that did not run or ran more than once.
#
#   bash benches/schedule.sh [MINUTES]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
minutes=${1:-5}

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

cat > "$data/tick.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_tick", "name": "Tick",
 "steps": [{"id": "stp_clock", "component": "schedule", "name": "Clock",
            "config": {"cron": "* * * * * *", "timezone": "UTC"}},
           {"id": "stp_when", "component": "transform", "name": "When",
            "inputs": {"value": {"expr": "$trigger.scheduledFor"}}}],
 "edges": [{"from": "stp_clock", "to": "stp_when"}]}
JSON
"$hookline" flows import "$data/tick.flow.json" >/dev/null
"$hookline" flows publish flw_tick >/dev/null

port=8794
"$hookline" serve --listen "127.0.0.1:$port" > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
# Started while serving, from another process: the scheduler sees it at its
# next reload and starts fresh, so no catch-up fire at boot skews the lag.
"$hookline" flows start flw_tick >/dev/null
echo "firing every second for $minutes minute(s)…"
sleep $((minutes * 60))
"$hookline" flows stop flw_tick >/dev/null
sleep 3
kill -TERM "$server"
wait "$server" || true

python3 - "$hookline" <<'PY'
import datetime, json, subprocess, sys
hookline = sys.argv[1]

def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

def run(*args):
    return json.loads(subprocess.check_output([hookline, *args]))

summaries = [e for e in run("executions", "list", "--flow", "flw_tick", "--all", "--json")
             if e["trigger"] == "schedule"]
rows = []
statuses = {}
for summary in summaries:
    execution = run("executions", "show", summary["id"])
    statuses[execution["status"]] = statuses.get(execution["status"], 0) + 1
    due = at(execution["input"]["scheduledFor"])
    fired = at(execution["input"]["firedAt"])
    started = at(execution["startedAt"])
    rows.append((due, (fired - due).total_seconds() * 1000, (started - due).total_seconds() * 1000))
if not rows:
    sys.exit("no schedule executions were recorded")
rows.sort()

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

slots = [row[0] for row in rows]
distinct = sorted(set(slots))
first, last = distinct[0], distinct[-1]
window = int((last - first).total_seconds()) + 1
doubled = len(slots) - len(distinct)
seen = set(distinct)
missed = [first + datetime.timedelta(seconds=s) for s in range(window)
          if first + datetime.timedelta(seconds=s) not in seen]
starts = [row[2] for row in rows]
fires = [row[1] for row in rows]
print(f"runs: {len(rows)} ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))})")
print(f"slots: {first:%H:%M:%S} to {last:%H:%M:%S} UTC, {window} seconds; missed {len(missed)}, doubled {doubled}")
for slot in missed[:10]:
    print(f"  missed {slot.isoformat()}")
print(f"due -> started (ms): p50 {pct(starts, 50):.1f}  p99 {pct(starts, 99):.1f}  max {max(starts):.1f}")
print(f"due -> fired   (ms): p50 {pct(fires, 50):.1f}  p99 {pct(fires, 99):.1f}  max {max(fires):.1f}")
PY
