#!/usr/bin/env bash
# Is a run's memory flat and its I/O linear in the number of cases? Runs N tiny cases (10 sizes
# x N/10 repetitions of one publisher and one subscriber against the embedded broker, 100 ms
# each) and prints the process's peak RSS (VmHWM) and the bytes it has written (wchar: every
# write() call; write_bytes: what reached the block layer) after case N/10 and after case N-1
# (once case N ends the run reads its cases back for the final file and the report, whose peak
# is printed apart), read from /proc/<pid> while the run goes.
#
# Targets: peak RSS at case N-1 within 10% of that at case N/10 (each case's results and
# histograms are written when it ends and dropped), and bytes written per case the same in the
# last 90% of the cases as in the first 10% (results.json and histograms.hlog are appended, not
# rewritten: quadratic growth would show as ~10x more per case late in the run).
# Exit status 1 when either target is missed.
#
# Usage: scripts/many-cases.sh [N]      N: a multiple of 10, 10..10000 (default 1000)
#   MCB_BIN=target/debug/mqtt-cipher-bench scripts/many-cases.sh 200   # skip the release build
#   MCB_BROKER=mqtt://127.0.0.1:1883 scripts/many-cases.sh   # an external broker (e.g. a local
#       Mosquitto) instead of the embedded one, whose memory is the harness process's (flat
#       only with the patched rumqttd of vendor/: as published, rumqttd 0.20 keeps every
#       filter's log, ~22 KB per case here)
# About 0.3 s per case in release on 2 cores (1,000 cases: ~5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 10 || n % 10 != 0 || n > 10000)); then
    echo "N must be a multiple of 10 from 10 to 10000, got \"$n\"" >&2
    exit 2
fi
if [ -z "${MCB_BIN:-}" ]; then
    cargo build --release --quiet
fi
bin=${MCB_BIN:-${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench}
early=$((n / 10))

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/many-cases.toml" <<EOF
name = "many-cases"
description = "$n tiny cases: memory and writes against the number of cases"
[broker]
url = "embedded"
[load]
publishers = 1
subscribers = 1
rate = 100
duration = "100ms"
warmup = "20ms"
drain = "500ms"
repeat = $((n / 10))
[matrix]
qos = [0]
size = [16, 32, 48, 64, 80, 96, 112, 128, 144, 160]
suite = ["aes-128-gcm"]
EOF

# Plain progress lines on stderr: "[k/N] <case> …" when case k starts, "[k/N] <summary>"
# when it ends.
broker=()
if [ -n "${MCB_BROKER:-}" ]; then broker=(--broker "$MCB_BROKER"); fi
"$bin" run "$tmp/many-cases.toml" --out "$tmp/out" --order matrix --speed none "${broker[@]}" \
    >"$tmp/summary.txt" 2>"$tmp/progress.log" &
pid=$!

# Field $2 of /proc/<pid>/<file>'s line starting with $1.
field() { awk -v k="$1" '$1 == k {print $2}' "/proc/$pid/$2" 2>/dev/null; }
sample() { echo "$(field VmHWM: status) $(field wchar: io) $(field write_bytes: io)"; }
# Waits until case $1 has ended (its second "[k/N]" line, or case k+1 started).
wait_case() {
    local k=$1
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(grep -c "^\[$k/$n\] " "$tmp/progress.log" || true)" -ge 2 ] ||
            grep -q "^\[$((k + 1))/$n\] " "$tmp/progress.log"; then
            return 0
        fi
        sleep 0.05
    done
    echo "the run ended before case $k; its output:" >&2
    tail -n 20 "$tmp/progress.log" >&2
    exit 1
}

start=$(date +%s)
wait_case "$early"
read -r rss1 w1 b1 <<<"$(sample)"
# The late sample is taken after case N-1: the moment case N ends the run reads every case back
# from results.json to write it in matrix order and render the report, which is the run's end,
# not growth per case (its peak is printed apart).
wait_case "$((n - 1))"
read -r rss2 w2 b2 <<<"$(sample)"
# The peak of the whole run, the final read-back and report included: polled until it exits.
peak=$rss2
while kill -0 "$pid" 2>/dev/null; do
    v=$(field VmHWM: status)
    [ -n "$v" ] && peak=$v
    sleep 0.05
done
secs=$(($(date +%s) - start))
run_dir=$(dirname "$(find "$tmp/out" -name results.json -print -quit)")
wait "$pid" || {
    echo "the run failed:" >&2
    tail -n 20 "$tmp/progress.log" >&2
    exit 1
}
pid=

size() { stat -c %s "$run_dir/$1"; }
awk -v n="$n" -v e="$early" -v r1="$rss1" -v r2="$rss2" -v w1="$w1" -v w2="$w2" \
    -v b1="$b1" -v b2="$b2" -v peak="$peak" -v secs="$secs" -v json="$(size results.json)" \
    -v hlog="$(size histograms.hlog)" -v bin="$bin" -v broker="${MCB_BROKER:-embedded}" 'BEGIN {
    printf "%d cases in %d s (%s, broker %s)\n", n, secs, bin, broker
    printf "peak RSS (VmHWM)   after case %4d: %8.1f MiB   after case %4d: %8.1f MiB   (%+.1f%%)\n",
        e, r1 / 1024, n - 1, r2 / 1024, 100 * (r2 - r1) / r1
    printf "peak RSS of the whole run (the final read-back of %d cases and the report): %.1f MiB\n",
        n, peak / 1024
    printf "written (wchar)    after case %4d: %8.1f MiB   after case %4d: %8.1f MiB\n",
        e, w1 / 1048576, n - 1, w2 / 1048576
    printf "written (to disk)  after case %4d: %8.1f MiB   after case %4d: %8.1f MiB\n",
        e, b1 / 1048576, n - 1, b2 / 1048576
    early = w1 / e; late = (w2 - w1) / (n - 1 - e)
    printf "bytes written per case: %.0f over cases 1-%d, %.0f over cases %d-%d (x%.2f)\n",
        early, e, late, e + 1, n - 1, late / early
    printf "final results.json %.1f MiB (%.0f B per case), histograms.hlog %.1f MiB\n",
        json / 1048576, json / n, hlog / 1048576
    ok = (r2 - r1) / r1 <= 0.10 && late / early <= 1.5
    print (ok ? "OK: RSS flat (<= 10%) and writes linear in cases" \
              : "MISSED: RSS grew more than 10% or writes per case grew")
    exit !ok
}'
# Not counted above: the final results.json, written once (in matrix order) after the last
# case, and the report.
