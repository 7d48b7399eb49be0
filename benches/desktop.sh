#!/usr/bin/env bash
# Measures the desktop app: release binary size (as built and stripped), the
# .deb, start-up to the first painted frame (median of 10 under Xvfb), and
# idle memory with 20 flows (the app process, and the app with its WebKit
# processes). Prints a markdown table; the figures go into BENCHMARKS.md by
# hand, with the machine they ran on. Not part of the test suite.
#
#   bash benches/desktop.sh          (a release build: 15-30 minutes the first time)
#   RUNS=20 bash benches/desktop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
runs=${RUNS:-10}
idle_seconds=${IDLE_SECONDS:-5}

for tool in cargo npx python3 xvfb-run dbus-run-session strip; do
    command -v "$tool" >/dev/null 2>&1 || { echo "desktop bench: $tool is missing; run scripts/setup.sh" >&2; exit 1; }
done
if [ ! -f ui/dist/index.html ]; then
    echo "desktop bench: building the designer"
    npm --prefix ui ci --no-audit --no-fund --loglevel=error
    npm --prefix ui run build
fi

seconds_since() { python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.0f}')" "$1"; }

echo "desktop bench: release build"
started=$(date +%s.%N)
cargo build --release -p hookline-desktop --features custom-protocol
build_seconds=$(seconds_since "$started")
app="$root/target/release/hookline-desktop"
# The command line imports the flows; any build of it reads the same database.
hookline="$root/target/release/hookline"
[ -x "$hookline" ] || hookline="$root/target/debug/hookline"
[ -x "$hookline" ] || { cargo build --release -p hookline-cli; hookline="$root/target/release/hookline"; }

source scripts/lib/session-dir.sh
make_session_dir
size_built=$(stat -c %s "$app")
strip -o "$work/stripped" "$app"
size_stripped=$(stat -c %s "$work/stripped")

echo "desktop bench: .deb"
deb_note=""
deb_size=""
deb_installed=""
if npx --yes @tauri-apps/cli@2.12.5 build --bundles deb >"$work/deb.log" 2>&1; then
    deb=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)
    if [ -n "$deb" ]; then
        deb_size=$(stat -c %s "$deb")
        deb_installed=$(dpkg-deb -f "$deb" Installed-Size 2>/dev/null || true)
        deb_note="$(basename "$deb")"
    fi
else
    deb_note="tauri build failed: $(grep -m1 -i error "$work/deb.log" || tail -n 1 "$work/deb.log")"
fi

# 20 flows, each a two-step webhook flow like examples/pets.flow.json.
mkdir -p "$work/data" "$work/home" "$work/flows"
printf '{"listenAddress":"127.0.0.1:0"}\n' >"$work/data/settings.json"
python3 - "$root/examples/pets.flow.json" "$work/flows" <<'PY'
import json, sys
template = json.load(open(sys.argv[1]))
for n in range(1, 21):
    flow = json.loads(json.dumps(template))
    flow["id"] = f"flw_desktopbench{n:02d}"
    flow["name"] = f"{template['name']} {n:02d}"
    for step in flow["steps"]:
        if step["component"] == "webhook":
            step["config"]["slug"] = f"pets-{n:02d}"
    json.dump(flow, open(f"{sys.argv[2]}/flow{n:02d}.json", "w"))
PY
for file in "$work"/flows/*.json; do
    "$hookline" --data-dir "$work/data" flows import "$file" >/dev/null
done

# Inside one display and session bus: $runs starts that report their first
# frame and quit, then one start left idle while its memory is read.
cat >"$work/session.sh" <<'SH'
set -euo pipefail
app=$1 work=$2 runs=$3 idle=$4
for ((i = 1; i <= runs; i++)); do
    launched=$(date +%s%3N)
    line=$(HOOKLINE_REPORT_FIRST_FRAME=1 timeout 60 "$app" 2>>"$work/app.log" | grep -m1 '^first-frame-ms' || true)
    [ -n "$line" ] || { echo "run $i reported no first frame" >&2; exit 1; }
    set -- $line
    echo "$(($4 - launched)) $2" >>"$work/starts.txt"
done
"$app" 2>>"$work/app.log" &
pid=$!
# The window has loaded when the first-frame runs took well under this.
sleep $((idle + 3))
# A value in kB from a /proc file, 0 when the process is already gone.
kb() { awk -v key="$1" '$1 == key":" {v = $2} END {print v + 0}' "$2" 2>/dev/null || echo 0; }
tree() { echo "$1"; for child in $(ps -o pid= --ppid "$1"); do tree "$child"; done; }
rss_app=$(kb VmRSS /proc/$pid/status)
pss_app=$(kb Pss /proc/$pid/smaps_rollup)
rss_tree=0 pss_tree=0 names=""
for p in $(tree "$pid"); do
    rss_tree=$((rss_tree + $(kb VmRSS /proc/$p/status)))
    pss_tree=$((pss_tree + $(kb Pss /proc/$p/smaps_rollup)))
    names="$names $(cat /proc/$p/comm)"
done
echo "$rss_app $pss_app $rss_tree $pss_tree$names" >"$work/memory.txt"
kill -TERM "$pid"
wait "$pid" || true
SH
echo "desktop bench: $runs starts, then ${idle_seconds}s idle with 20 flows"
env HOME="$work/home" HOOKLINE_DATA_DIR="$work/data" NO_AT_BRIDGE=1 \
    dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
    bash "$work/session.sh" "$app" "$work" "$runs" "$idle_seconds" 2>"$work/session.log" || {
    echo "desktop bench: the window runs failed:" >&2
    grep -v -E 'dbus-daemon|xdg-desktop-portal|Gtk-WARNING|pw\.conf|^$' "$work/session.log" "$work/app.log" | tail -n 30 >&2
    exit 1
}

read -r start_median start_min start_max main_median < <(python3 - "$work/starts.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
launch = [float(r[0]) for r in rows]
main = [float(r[1]) for r in rows]
print(f"{statistics.median(launch):.0f} {min(launch):.0f} {max(launch):.0f} {statistics.median(main):.0f}")
PY
)
read -r rss_app pss_app rss_tree pss_tree processes <"$work/memory.txt"
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576:.1f} MiB')" "$1"; }
kib_mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.0f} MiB')" "$1"; }

webkit=$(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo unknown)
echo
echo "Machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs), $(free -g | awk '/Mem:/ {print $2}') GB RAM; WebKitGTK $webkit; Xvfb"
echo
echo "| Desktop app (release, \`--features custom-protocol\`) | Value |"
echo "| --- | --- |"
echo "| Release build time (this run; incremental if built before) | ${build_seconds} s |"
echo "| Binary \`hookline-desktop\` as built | $(mib "$size_built") |"
echo "| Binary stripped | $(mib "$size_stripped") |"
if [ -n "$deb_size" ]; then
    echo "| .deb ($deb_note) | $(mib "$deb_size"), installed $(kib_mib "${deb_installed:-0}") |"
else
    echo "| .deb | not built: $deb_note |"
fi
echo "| Launch to first painted frame, median of $runs (min-max) | ${start_median} ms (${start_min}-${start_max}) |"
echo "| \`main\` to first painted frame, median | ${main_median} ms |"
echo "| Idle RSS, app process, 20 flows, after ${idle_seconds} s | $(kib_mib "$rss_app") (PSS $(kib_mib "$pss_app")) |"
echo "| Idle RSS, app + WebKit processes ($processes) | $(kib_mib "$rss_tree") (PSS $(kib_mib "$pss_tree")) |"
