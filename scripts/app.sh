#!/usr/bin/env bash
# Installs what is needed, builds Hookline and starts it: the desktop window
# where a display exists, otherwise `hookline serve --ui`, which prints the
# URL to open the designer in a browser. HOOKLINE_BROWSER=1 forces the browser
# mode; arguments go to `hookline serve` (for example `--listen 0.0.0.0:8787`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

(cd ui && npm run --silent build)

if [ -z "${HOOKLINE_BROWSER:-}" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    cargo build --locked --release -p hookline-desktop --features custom-protocol
    exec target/release/hookline-desktop
fi

cargo build --locked --release -p hookline-cli
echo "no display found: serving the designer to a browser (open the designer URL below)"
exec target/release/hookline serve --ui --ui-dir ui/dist "$@"
