#!/usr/bin/env bash
# Installs what is needed, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Formatting is part of the contract when rustfmt is installed.
if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all --check
fi
cargo build --locked --workspace --all-targets
cargo test --locked --workspace
