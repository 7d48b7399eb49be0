#!/usr/bin/env bash
# Installs what building and testing Hookline needs on Debian/Ubuntu.
# Safe to run again: it skips what is already there.
set -euo pipefail

# dbus, dbus-x11 and gnome-keyring give the vault's keychain tests a real Secret
# Service: scripts/test.sh starts a throwaway one for each run.
APT_PACKAGES=(build-essential pkg-config curl ca-certificates dbus dbus-x11 gnome-keyring)

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
    echo "setup: Rust is not installed. Install Rust 1.85 or newer (https://rustup.rs), then run this again." >&2
    exit 1
fi
