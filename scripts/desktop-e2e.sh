#!/usr/bin/env bash
# End-to-end test of the desktop window: builds hookline-desktop with the
# designer embedded, starts it under a virtual display and a private session
# bus with a temp data dir and a temp HOME, and drives it through
# tauri-driver (src-tauri/e2e/desktop.spec.mjs): the window appears, a flow
# made in the UI is listed, core events reach the window, and the webhook
# tutorial is followed in the window up to a live call that creates a pet in
# the demo pet store (started here on a free port and stopped on exit), a
# flow is run through its Manual trigger's run form, and a Button is pressed
# in the Launcher with a typed value and a picked file.
#
#   bash scripts/desktop-e2e.sh                       (needs ui/dist built)
#   UPDATE_SCREENSHOTS=1 bash scripts/desktop-e2e.sh  (also docs/designer-desktop.png)
#
# Writes target/e2e/desktop.png (target/e2e/desktop-failure.png on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

for tool in cargo node npm xvfb-run dbus-run-session WebKitWebDriver; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "desktop-e2e: $tool is missing; run scripts/setup.sh" >&2
        exit 1
    fi
done
if [ ! -f ui/dist/index.html ]; then
    echo "desktop-e2e: the designer is not built; run: npm --prefix ui ci && npm --prefix ui run build" >&2
    exit 1
fi
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --version ^2 --locked
tauri_driver=$(command -v tauri-driver)

# webdriverio, exactly as locked (src-tauri/e2e/.npmrc skips install scripts).
if [ ! -d src-tauri/e2e/node_modules ] || [ src-tauri/e2e/package-lock.json -nt src-tauri/e2e/node_modules/.package-lock.json ]; then
    (cd src-tauri/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
# The window, and the demo pet store the tutorial's flow calls (in the
# `hookline` binary), from the same build as scripts/test.sh's, so after it
# nothing is compiled again.
source scripts/lib/workspace-build.sh
cargo build "${WORKSPACE_BUILD[@]}" --all-targets

source scripts/lib/session-dir.sh
make_session_dir
mkdir -p "$work/data" "$work/home" target/e2e
rm -f target/e2e/desktop.png target/e2e/desktop-failure.png
# Links the window opens go to this stand-in for xdg-open, which notes them
# instead of starting a browser.
mkdir -p "$work/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\n' "$work/opened.txt" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
# Port 0: the listener takes any free port, so a running Hookline is no obstacle.
printf '{"listenAddress":"127.0.0.1:0"}\n' >"$work/data/settings.json"

# The demo pet store, on a port the OS chooses, with its own data dir; it is
# stopped when the script exits, before the session dir is removed.
mkdir -p "$work/petstore"
target/debug/hookline --data-dir "$work/petstore" demo petstore --listen 127.0.0.1:0 >"$work/petstore.log" 2>&1 &
petstore_pid=$!
stop_petstore() {
    kill "$petstore_pid" 2>/dev/null || true
    wait "$petstore_pid" 2>/dev/null || true
    remove_session_dir
}
trap stop_petstore EXIT
petstore_url=
for _ in $(seq 100); do
    petstore_url=$(sed -n 's|^pet store listening on \(http://[^ ]*\).*|\1|p' "$work/petstore.log")
    [ -n "$petstore_url" ] && break
    kill -0 "$petstore_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$petstore_url" ]; then
    echo "desktop-e2e: the demo pet store did not start:" >&2
    cat "$work/petstore.log" >&2
    exit 1
fi

# NO_AT_BRIDGE keeps GTK from starting accessibility bus daemons that would
# outlive the session; the app's own chatter goes to a log shown on failure.
status=0
env HOME="$work/home" \
    HOOKLINE_DATA_DIR="$work/data" \
    HOOKLINE_DESKTOP_APP="$root/target/debug/hookline-desktop" \
    HOOKLINE_E2E_SHOT="$root/target/e2e/desktop.png" \
    TAURI_DRIVER="$tauri_driver" \
    HOOKLINE_E2E_OPENED="$work/opened.txt" \
    HOOKLINE_E2E_PETSTORE="$petstore_url" \
    PATH="$work/bin:$PATH" \
    NO_AT_BRIDGE=1 \
    dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
    node src-tauri/e2e/desktop.spec.mjs 2>"$work/stderr.log" || status=$?
if [ "$status" -ne 0 ] || [ ! -s target/e2e/desktop.png ]; then
    echo "desktop-e2e: FAILED (exit $status); the app's and driver's output:" >&2
    grep -v -E 'dbus-daemon|xdg-desktop-portal|Gtk-WARNING|pw\.conf|^$' "$work/stderr.log" | tail -n 60 >&2 || true
    exit 1
fi
echo "desktop-e2e: passed; screenshot at target/e2e/desktop.png"
