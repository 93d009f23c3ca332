#!/usr/bin/env bash
# The flow of deploy/kubernetes/ with local processes instead of pods (no cluster runs here):
# a broker of its own (the project's `broker` command; the embedded broker lives inside one
# run's process and cannot be shared), N shard processes started as an Indexed Job starts its
# pods (JOB_COMPLETION_INDEX=0..N-1, MCB_SHARD_COUNT=N) with one --start-at a few seconds
# ahead, then `merge` of their folders. Prints each shard's planned and actual start, the
# merged summary, and the shards' start skew.
#
# Usage: scripts/fleet-local.sh [N]      N: 2..16 shards (default 3)
#   MCB_BIN=target/debug/mqtt-cipher-bench scripts/fleet-local.sh   # skip the release build
#   MCB_START_AHEAD=8 scripts/fleet-local.sh    # seconds from now to --start-at (default 5)
#   MCB_KEEP=1 scripts/fleet-local.sh           # keep the folders (printed) instead of removing them
# About 15 s: two 3 s cases per shard, ~4 s of tamper matrix, plus the wait.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-3}
if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 2 || n > 16)); then
    echo "N must be a number of shards from 2 to 16, got \"$n\"" >&2
    exit 2
fi
ahead=${MCB_START_AHEAD:-5}
if ! [[ $ahead =~ ^[0-9]+$ ]]; then
    echo "MCB_START_AHEAD must be whole seconds, got \"$ahead\"" >&2
    exit 2
fi
if [ -z "${MCB_BIN:-}" ]; then
    cargo build --release --quiet
fi
bin=${MCB_BIN:-${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench}

tmp=$(mktemp -d)
pids=()
broker_pid=
cleanup() {
    for p in "${pids[@]}" $broker_pid; do kill "$p" 2>/dev/null || true; done
    if [ -n "${MCB_KEEP:-}" ]; then
        echo "kept: $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" broker --bind 127.0.0.1 --port "$port" --cert-dir "$tmp/certs" >"$tmp/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 100); do
    grep -q '^Ctrl-C' "$tmp/broker.log" 2>/dev/null && break
    sleep 0.1
done
grep -q '^Ctrl-C' "$tmp/broker.log" || { cat "$tmp/broker.log" >&2; exit 1; }

# Every shard needs a publisher: 2 per shard, one subscriber each.
cat >"$tmp/fleet-local.toml" <<TOML
name = "fleet-local"
description = "$n shards as local processes against one broker"
[broker]
url = "mqtt://127.0.0.1:$port"
[load]
publishers = $((2 * n))
subscribers = $n
rate = 100
duration = "3s"
warmup = "500ms"
[matrix]
qos = [1]
size = [64]
suite = ["none", "aes-128-gcm"]
TOML

start_at=$(date -u -d "+$ahead seconds" +%Y-%m-%dT%H:%M:%SZ)
echo "broker on 127.0.0.1:$port; $n shards start their first case at $start_at"
for ((k = 0; k < n; k++)); do
    JOB_COMPLETION_INDEX=$k MCB_SHARD_COUNT=$n "$bin" run "$tmp/fleet-local.toml" \
        --start-at "$start_at" --out "$tmp/runs" --speed none --quiet \
        >"$tmp/shard-$k.log" 2>&1 &
    pids+=($!)
done
failed=0
for ((k = 0; k < n; k++)); do
    if ! wait "${pids[$k]}"; then
        echo "shard with JOB_COMPLETION_INDEX=$k failed:" >&2
        cat "$tmp/shard-$k.log" >&2
        failed=1
    fi
done
pids=()
((failed == 0)) || exit 1

echo
echo "shard  folder                          planned start             actual start              late"
for d in "$tmp"/runs/fleet-local/*-shard-*of"$n"; do
    jq -r --arg f "$(basename "$d")" \
        '"\(.shard.index)/\(.shard.count)    \($f)  \(.timing.planned_start)  \(.timing.actual_start)  \(.timing.late_s * 1000 | round) ms\(if .timing.late_warning then "  LATE" else "" end)"' \
        "$d/results.json"
done
echo
"$bin" merge "$tmp"/runs/fleet-local/*-shard-*of"$n" --out "$tmp/merged"
merged=$(ls -d "$tmp"/merged/fleet-local-merged/*/)
echo
jq -r '"merged: shards \(.merge.shards_present) of \(.merge.shard_count), missing \(.merge.shards_missing); start skew \(.merge.start_skew_s * 1000 | round) ms; measured window \(.timing.first_case_start) .. \(.timing.last_case_end)\(if .merge.window_gap_s then "; windows apart by \(.merge.window_gap_s) s" else "" end)"' \
    "$merged/results.json"
jq -r '.cases[] | "  \(.id): sent \(.counts.sent), delivered \(.counts.delivered) of \(.counts.expected), latency p50 \(.phases.latency.p50 / 1000 | round) µs over \(.phases.latency.count) messages"' \
    "$merged/results.json"
