#!/usr/bin/env bash
# Installs what is needed, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage reports the seconds since the start, so a slow run shows where
# the time went.
stage() { echo "test: $1 ($SECONDS s)"; }
source scripts/setup.sh
stage "set-up done"

# Formatting is part of the contract when rustfmt is installed.
if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all --check
fi
# Lints are part of it too, when clippy is installed: warnings fail the run.
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --locked --all-targets -- -D warnings
fi
# The designer: types, lints, formatting, unit tests, then the build the shell
# embeds and browser mode serves.
(cd ui && npm run --silent typecheck && npm run --silent lint && npm run --silent format:check && npm test --silent && npm run --silent build)
stage "designer checked and built"

# Every crate once, the desktop shell with the designer embedded included (see
# scripts/lib/workspace-build.sh); the tests and the desktop's end-to-end run
# below reuse this build.
source scripts/lib/workspace-build.sh
cargo build "${WORKSPACE_BUILD[@]}" --all-targets
stage "workspace built"

# The vault's keychain tests use a real Secret Service. Each run gets its own
# session D-Bus and a throwaway gnome-keyring, unlocked, under a temporary HOME,
# so the developer's own keyring is never read or written. HOME changes only
# inside that session; cargo and rustup keep finding their homes.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
# shellcheck disable=SC2016 # the session script expands its own variables
dbus-run-session -- bash -c '
    set -euo pipefail
    # Every place gnome-keyring looks lies in the temporary home: an inherited
    # XDG_RUNTIME_DIR or GNOME_KEYRING_CONTROL would lead it to the real daemon.
    export HOME="$1" XDG_RUNTIME_DIR="$1/run" XDG_DATA_HOME="$1/data" XDG_CONFIG_HOME="$1/config" XDG_CACHE_HOME="$1/cache"
    unset GNOME_KEYRING_CONTROL
    mkdir -p -m 700 "$XDG_RUNTIME_DIR"
    # The password must not be empty: with an empty one no login keyring is
    # created, and the first write fails, since making one needs a prompt.
    printf "hookline-test" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
    keyring_pid=$!
    # dbus-run-session ends the bus, not the daemon: stop it whatever happens.
    trap "kill $keyring_pid 2>/dev/null || true" EXIT
    # Until the daemon owns the Secret Service name, a call would make D-Bus
    # start another, locked one.
    waited=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
        if ! kill -0 "$keyring_pid" 2>/dev/null || ((waited++ >= 100)); then
            echo "test: gnome-keyring-daemon did not start a Secret Service" >&2
            exit 1
        fi
        sleep 0.1
    done
    shift
    cargo test "$@"
' test-session "$keyring_home" "${WORKSPACE_BUILD[@]}"
stage "workspace tests passed"

# Every fuzz target for 30 s from its seeds (one build, in fuzz/target): a
# change that makes a parser panic on input near a real one fails here.
bash scripts/fuzz.sh 30
stage "fuzz smoke passed"

# The designer in a real browser against `hookline serve --ui` (the whole
# tutorial), then the real desktop window under a virtual display.
(cd ui/e2e && npm test)
stage "browser end-to-end passed"
bash scripts/desktop-e2e.sh
stage "desktop end-to-end passed"

# `cargo test` writes the UI's TypeScript types from the Rust ones (ts-rs):
# the committed files must be exactly what the code generates.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
        echo "test: ui/src/bindings differs from what the Rust types generate; commit the regenerated files:" >&2
        git status --short -- ui/src/bindings >&2
        exit 1
    fi
fi
