#!/usr/bin/env bash
# Runs the fuzz targets (fuzz/fuzz_targets) one after another with cargo-fuzz
# (libFuzzer) on the stable toolchain, and fails if any of them crashes.
#
#   scripts/fuzz.sh                 every target for 10 minutes
#   scripts/fuzz.sh 30              every target for 30 seconds (what CI runs;
#                                   a minute or less builds without optimisation)
#   scripts/fuzz.sh 600 webhook_body
#
# The targets are built once, before the first runs. Each run starts from the
# committed seeds (fuzz/corpus/<target>) and what earlier runs on this machine
# found (fuzz/target/corpus/<target>, where new inputs go), with the tokens of
# fuzz/dicts/<target>.dict when there is one; a crash leaves its
# input in fuzz/artifacts/<target>/ (replay it with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none <target> <file>` in fuzz/).
# A summary per target (runs, coverage, corpus) ends the output; the full log
# of each run is fuzz/target/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
# The same install as scripts/setup.sh, for running this script alone.
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --version ^0.13 --locked --quiet
fi

# cargo-fuzz asks rustc for flags (-Z…) that only nightly accepts; this lets
# the stable compiler take them. Without a sanitizer (they need nightly's
# standard library), libFuzzer still gets the coverage it is guided by, and
# debug assertions and overflow checks stay on.
export RUSTC_BOOTSTRAP=1
fuzz=(cargo fuzz)
build_flags=(--sanitizer none)
# A short smoke run (CI's 30 s) is over before optimised code pays back its
# longer build: its targets are built unoptimised, in minutes less.
if ((seconds <= 60)); then
    build_flags+=(--dev)
fi

cd fuzz
# Its own target dir whatever the environment says: the instrumented build
# must never overwrite the workspace's artifacts.
export CARGO_TARGET_DIR="$PWD/target"
if (($#)); then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi

echo "fuzz: building ${targets[*]}"
build_started=$SECONDS
if (($# == 1)); then
    "${fuzz[@]}" build "${build_flags[@]}" "$1"
else
    "${fuzz[@]}" build "${build_flags[@]}"
fi
echo "fuzz: built in $((SECONDS - build_started)) s"

mkdir -p target/logs
failed=()
summary=()
for target in "${targets[@]}"; do
    mkdir -p "target/corpus/$target" "corpus/$target"
    log="target/logs/$target.log"
    echo "fuzz: $target for ${seconds} s"
    # -timeout: one input running 25 s counts as a hang (a crash).
    options=(-max_total_time="$seconds" -timeout=25 -print_final_stats=1)
    [ -f "dicts/$target.dict" ] && options+=(-dict="dicts/$target.dict")
    if "${fuzz[@]}" run "${build_flags[@]}" "$target" "target/corpus/$target" "corpus/$target" -- \
        "${options[@]}" >"$log" 2>&1; then
        outcome=ok
    else
        outcome=CRASHED
        failed+=("$target")
        tail -n 40 "$log" >&2
    fi
    # libFuzzer's last status line: "#123456 DONE cov: 1234 ft: 5678 corp: 321/45Kb …".
    status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    cov=$(grep -oE 'cov: [0-9]+' <<<"$status" | grep -oE '[0-9]+' || echo "?")
    ft=$(grep -oE 'ft: [0-9]+' <<<"$status" | grep -oE '[0-9]+' || echo "?")
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$status" | cut -d' ' -f2 || echo "?")
    summary+=("$(printf '%-18s %-8s runs %-10s cov %-6s ft %-7s corpus %s' "$target" "$outcome" "$runs" "$cov" "$ft" "$corp")")
done

echo "fuzz: summary (${seconds} s per target)"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "fuzz: ${failed[*]} crashed; the inputs are in fuzz/artifacts/" >&2
    exit 1
fi
