#!/usr/bin/env bash
# Installs what is needed, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --workspace --all-targets
cargo test --locked --workspace
