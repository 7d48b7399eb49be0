#!/usr/bin/env bash
# Installs what is needed, builds `hookline` and walks through the quick start:
# import the Pets example, publish it, start it and run it once against the
# demo pet store (`hookline demo petstore`) on 127.0.0.1:9000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --release -p hookline-cli
hookline="$PWD/target/release/hookline"
export HOOKLINE_DATA_DIR="${HOOKLINE_DATA_DIR:-$PWD/.quickstart-data}"

# The demo pet store the example flow calls (POST /pet on 127.0.0.1:9000).
"$hookline" demo petstore --listen 127.0.0.1:9000 &
store=$!
trap 'kill $store 2>/dev/null' EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null http://127.0.0.1:9000/pet && break
    sleep 0.1
done

set -x
"$hookline" flows import examples/pets.flow.json
"$hookline" flows publish pets
"$hookline" flows start pets
"$hookline" run pets
"$hookline" flows list
"$hookline" executions list
curl -s "http://127.0.0.1:9000/pet?status=Sold"; echo
