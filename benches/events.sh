#!/usr/bin/env bash
# Load benchmark of custom events with oha: `POST /events/{name}` fanning out
# to 10 started flows, beside the single-hook accept in the same run. Each
# answered event has committed its 10 executions. Prints oha's summaries;
# the figures go into BENCHMARKS.md by hand, with the machine they ran on.
#
#   bash benches/events.sh            (about a minute of load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

cargo build --release -p hookline-cli
hookline="$PWD/target/release/hookline"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

# Ten flows listen to order.created; one flow has a hook. Each runs one Transform.
for n in $(seq 10); do
    cat > "$data/listener$n.flow.json" <<JSON
{"schemaVersion": 1, "id": "flw_listener$n", "name": "Listener $n",
 "steps": [
  {"id": "stp_on", "component": "event", "name": "On order", "config": {"name": "order.created"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "payload.order.id"}}}],
 "edges": [{"from": "stp_on", "to": "stp_t"}]}
JSON
done
cat > "$data/hook.flow.json" <<'JSON'
{"schemaVersion": 1, "id": "flw_hook", "name": "Hook",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "bench"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
echo '{"order": {"id": "ord_0001", "customer": {"name": "Ada Lovelace"}, "total": 99.5}}' > "$data/body.json"
for file in "$data"/*.flow.json; do
    id=$("$hookline" flows import "$file")
    "$hookline" flows publish "$id" >/dev/null
    "$hookline" flows start "$id" >/dev/null
done

"$hookline" serve --listen 127.0.0.1:8790 --queue-bound 1000000 > /dev/null &
up=no
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:8790/" && { up=yes; break; }; sleep 0.1; done
[ "$up" = yes ] || { echo "nothing answers on port 8790" >&2; exit 1; }

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
load "single hook, durable accepts, saturation (64 connections, 10 s)" -z 10s -c 64 "${post[@]}" http://127.0.0.1:8790/hook/bench
load "POST /events/order.created to 10 flows, saturation (64 connections, 10 s)" -z 10s -c 64 "${post[@]}" http://127.0.0.1:8790/events/order.created
drain
echo
for n in 1 10; do
    count=$("$hookline" executions list --flow "flw_listener$n" --all --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    echo "executions of flw_listener$n: $count"
done
"$hookline" executions list --status failed --limit 5
