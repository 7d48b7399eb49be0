#!/usr/bin/env bash
# Accept throughput of a Standard-Webhooks-signed hook against an unsigned one,
# in the same run, through the real listener; then the signature verification
# micro-benchmark. The figures go into BENCHMARKS.md by hand.
#
#   bash benches/signatures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --release -p hookline-cli
cargo build --release -p hookline-listener --example signed_load
hookline="$PWD/target/release/hookline"
load="$PWD/target/release/examples/signed_load"
data=$(mktemp -d)
export HOOKLINE_DATA_DIR="$data"
# A throwaway data key: the bench needs no keychain.
export HOOKLINE_MASTER_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

secret="whsec_$(head -c 24 /dev/urandom | base64)"
printf 'secret=%s\n' "$secret" | "$hookline" vault add bench-signing --kind hmac --set preset=standard-webhooks >/dev/null
for flow in plain signed; do
    credential=""
    [ "$flow" = signed ] && credential='"credential": "bench-signing",'
    cat > "$data/$flow.flow.json" <<JSON
{"schemaVersion": 1, "id": "flw_$flow", "name": "$flow",
 "steps": [
  {"id": "stp_hook", "component": "webhook", "name": "Hook", $credential "config": {"slug": "$flow"}},
  {"id": "stp_t", "component": "transform", "name": "Transform", "inputs": {"value": {"expr": "body.order.id"}}}],
 "edges": [{"from": "stp_hook", "to": "stp_t"}]}
JSON
    "$hookline" flows import "$data/$flow.flow.json" >/dev/null
    "$hookline" flows publish "$flow" >/dev/null
    "$hookline" flows start "$flow" >/dev/null
done
python3 -c "import json; print(json.dumps({'order': {'id': 'ord_1', 'note': 'x' * 980}}))" > "$data/body.json"

"$hookline" serve --listen 127.0.0.1:8791 --queue-bound 1000000 > /dev/null &
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8791/ && break; sleep 0.1; done

# Alternate the two hooks, so drift over the run affects both alike.
for round in 1 2; do
    echo "== round $round: unsigned hook, 10 s, 32 connections"
    "$load" http://127.0.0.1:8791/hook/plain "$data/body.json" 10 32
    echo "== round $round: Standard-Webhooks-signed hook, 10 s, 32 connections"
    "$load" http://127.0.0.1:8791/hook/signed "$data/body.json" 10 32 "$secret"
done

echo "== signature verification of a 1 KB body (criterion)"
cargo bench -p hookline-vault --bench signature 2>/dev/null | grep -E "^verify|time:"
