#!/usr/bin/env bash
# Installs what is needed, builds `hookline` and walks through the quick start:
# import the Pets example, publish it, start it and run it once against a
# small local pet store on 127.0.0.1:9000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --release -p hookline-cli
hookline="$PWD/target/release/hookline"
export HOOKLINE_DATA_DIR="${HOOKLINE_DATA_DIR:-$PWD/.quickstart-data}"

# A minimal pet store for the example flow to call: it answers POST /pet with
# the pet it received and an id.
python3 - <<'PY' &
import http.server, json, itertools
ids = itertools.count(1)
class PetStore(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        reply = json.dumps({"id": next(ids), **body}).encode()
        self.send_response(200 if self.path == "/pet" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", 9000), PetStore).serve_forever()
PY
store=$!
trap 'kill $store 2>/dev/null' EXIT
sleep 1

set -x
"$hookline" flows import examples/pets.flow.json
"$hookline" flows publish pets
"$hookline" flows start pets
"$hookline" run pets
"$hookline" flows list
"$hookline" executions list
