#!/usr/bin/env bash
# Installs what building and testing Hookline needs on Debian/Ubuntu.
# Safe to run again: it skips what is already there.
set -euo pipefail

# dbus, dbus-x11 and gnome-keyring give the vault's keychain tests a real Secret
# Service: scripts/test.sh starts a throwaway one for each run.
APT_PACKAGES=(build-essential pkg-config curl ca-certificates dbus dbus-x11 gnome-keyring)
# The desktop window (Tauri 2 on WebKitGTK).
APT_PACKAGES+=(libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev)
# End-to-end tests: Debian's Chromium for browser mode, and a virtual display
# with WebKit's WebDriver for the desktop window.
APT_PACKAGES+=(chromium xvfb xauth webkit2gtk-driver)
# The Database action's tests start a throwaway PostgreSQL server of their own
# (initdb + pg_ctl in a temp dir, on a private port); Debian's package
# provides the binaries, and its default cluster is not used.
APT_PACKAGES+=(postgresql)
# The designer is built with Node.js and npm.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: Rust is not installed. Install Rust 1.90 or newer (https://rustup.rs), then run this again." >&2
    exit 1
fi

# Vite needs Node.js 20.19 or newer (or 22.12+).
node_version=$(node -p 'process.versions.node')
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)'; then
    echo "setup: Node.js $node_version is too old for the designer's build; install Node.js 20.19+ or 22.12+ (https://nodejs.org), then run this again." >&2
    exit 1
fi

# tauri-driver drives the desktop window in its end-to-end test.
if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --version ^2 --locked --quiet
fi

# cargo-fuzz runs the fuzz targets (scripts/fuzz.sh) on the stable toolchain.
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "setup: installing cargo-fuzz"
    cargo install cargo-fuzz --version ^0.13 --locked --quiet
fi

# The designer's packages, exactly as locked.
npm_install() {
    if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
npm_install ui
npm_install ui/e2e
# src-tauri/e2e is installed by scripts/desktop-e2e.sh, without install scripts.
