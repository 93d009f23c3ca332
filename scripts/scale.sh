#!/usr/bin/env bash
# How many connections one harness process carries, against a local Mosquitto: for each
# client count (default 1000 5000 19000), one case of N-1 publishers at 1 msg/s and one
# subscriber, QoS 0, 64 B, aes-128-gcm, no proxy. Prints, per count: connections held (the
# ESTABLISHED sockets to the broker's port in the middle of the measured window, and the
# clients results.json says connected), connect rate (results.json `connections`), the run
# process's RSS in the middle of the window and per connection (against a 2-client run
# measured the same way, first), schedule lag p99, delivered msg/s against offered, and the
# message accounting (sent = delivered + lost). Then, unless MCB_SCALE_SHARDS=0, the largest
# count again as 2 shard processes of half the clients each, started together (--start-in)
# and merged.
#
# Targets (issue 16): 19,000 connections held, >= 5,000 connects/s, <= 40 KB RSS per
# connection, 19,000 msg/s delivered with schedule lag p99 < 1 ms. The script prints each
# against its target (PASS/MISS); it is a benchmark, not a test: run it on a quiet machine.
#
# Both processes need a descriptor per connection: the script raises its own soft limit to
# the hard one and says so when the largest count does not fit.
#
# usage: scripts/scale.sh [COUNTS...]          e.g. scripts/scale.sh 1000 5000 19000
#   MCB_BIN=target/release/mqtt-cipher-bench   skip the release build
#   MCB_SCALE_THREADS=auto|per-client|N        load.threads (default auto: one group per core)
#   MCB_SCALE_SECONDS=20                       measured seconds per case (plus 5 s warm-up)
#   MCB_SCALE_SOURCES="127.0.0.1 127.0.0.2"    load.source_addrs: clients connect from these
#                                              addresses in turn (default: the kernel's choice)
#   MCB_SCALE_BATCH=100                        load.connect_batch: clients connecting at once.
#                                              Mosquitto 2.0 listens with a backlog of 100: a
#                                              larger batch overflows it and the dropped SYNs
#                                              come back after Linux's 1 s retransmit timeout
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 5000 19000)
for n in "${counts[@]}"; do
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 2)) || { echo "scale.sh: \"$n\" is not a client count >= 2" >&2; exit 2; }
done
threads=${MCB_SCALE_THREADS:-auto}
secs=${MCB_SCALE_SECONDS:-20}
batch=${MCB_SCALE_BATCH:-100}
sources=()
if [ -n "${MCB_SCALE_SOURCES:-}" ]; then
    list=$(printf '"%s",' ${MCB_SCALE_SOURCES})
    sources=(--set "load.source_addrs=[${list%,}]")
fi
for tool in mosquitto python3 ss; do
    command -v "$tool" >/dev/null || { echo "scale.sh: $tool not found (apt-get install mosquitto iproute2)" >&2; exit 1; }
done
if [ -z "${MCB_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${MCB_BIN:-${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench}

max=0
for n in "${counts[@]}"; do ((n > max)) && max=$n; done
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && ((hard < max + 200)); then
    # Root may raise its own hard limit up to fs.nr_open.
    ulimit -Hn $((max + 1000)) 2>/dev/null || true
    hard=$(ulimit -Hn)
fi
ulimit -n "$hard"
if [ "$hard" != unlimited ] && ((hard < max + 200)); then
    echo "scale.sh: the open-file hard limit is $hard, below the $max clients asked for (+200 for the broker and the run); raise it (ulimit -Hn as root, or LimitNOFILE=) or ask for fewer" >&2
    exit 2
fi
echo "open-file limit raised to $(ulimit -n) (hard $hard)"

tmp=$(mktemp -d)
mpid=
cleanup() {
    if [ -n "$mpid" ]; then kill "$mpid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
max_connections -1
set_tcp_nodelay true
max_queued_messages 100000
CONF
mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
mpid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
echo "broker: $(mosquitto -h 2>/dev/null | head -1) on 127.0.0.1:$port; $(nproc) cores; threads = $threads; connect_batch = $batch"

# One case of $1 clients; extra args go to `run`. Samples RSS and sockets mid-window into
# $tmp/sample-<tag>; the results folder is $tmp/out-<tag>.
run_case() {
    local n=$1 tag=$2
    shift 2
    local out=$tmp/out-$tag
    "$bin" run scenarios/quick.toml --broker "mqtt://127.0.0.1:$port" --out "$out" -q --speed none \
        --set "load.publishers=$((n - 1))" --set load.subscribers=1 --set load.rate=1 \
        --set "load.duration=$((secs + 5))s" --set load.warmup=5s --set load.drain=5s \
        --set "load.connect_batch=$batch" --set "load.threads=\"$threads\"" --set link.proxy=false \
        --set 'matrix.qos=[0]' --set 'matrix.size=[64]' --set 'matrix.suite=["aes-128-gcm"]' \
        "${sources[@]}" "$@" >"$tmp/log-$tag" 2>&1 &
    local pid=$!
    # The middle of the measured window: after the ramp (connections reach n) + warm-up +
    # half the measured seconds.
    local held=0 waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 600)); do
        held=$(ss -Htn state established "( dport = :$port )" | wc -l)
        ((held >= n)) && break
        sleep 0.2
        waited=$((waited + 1))
    done
    sleep $((5 + secs / 2))
    local rss
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    held=$(ss -Htn state established "( dport = :$port )" | wc -l)
    echo "$rss $held" >"$tmp/sample-$tag"
    if ! wait "$pid"; then
        echo "scale.sh: the $n-client run failed:" >&2
        cat "$tmp/log-$tag" >&2
        exit 1
    fi
}

run_case 2 base
read -r base_rss _ <"$tmp/sample-base"
echo "baseline (2 clients): RSS $((base_rss / 1024)) MiB"
printf '%-8s %-16s %-12s %-10s %-10s %-12s %-18s %s\n' clients "held (sockets)" "connects/s" "RSS MiB" "KB/conn" "lag p99 µs" "delivered msg/s" "sent = delivered + lost"
report() { # n tag results-glob
    local n=$1 tag=$2
    read -r rss held <"$tmp/sample-$tag"
    python3 - "$n" "$rss" "$held" "$base_rss" "$3" <<'PY'
import glob, json, sys
n, rss, held, base, pattern = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
paths = sorted(glob.glob(pattern))
assert paths, "no results.json under " + pattern
c = json.load(open(paths[-1]))["cases"][0]
k = c["counts"]
conns = c.get("connections") or {}
lag = c["phases"].get("schedule_lag", {}).get("p99", 0) / 1e3
deliv = c["throughput"]["delivered_msgs_per_s"]
per_conn = (rss - base) * 1024 / (n - 2) / 1e3 if rss else float("nan")
acc = "%d = %d + %d %s" % (k["sent"], k["delivered"], k["lost"], "ok" if k["sent"] == k["delivered"] + k["lost"] else "MISMATCH")
print("%-8d %-16s %-12.0f %-10.1f %-10.1f %-12.1f %-18.0f %s" % (
    n, "%d (%d)" % (conns.get("clients", 0), held), conns.get("connects_per_s", 0),
    rss / 1024, per_conn, lag, deliv, acc))
def mark(ok): return "PASS" if ok else "MISS"
if n >= 19000:
    print("  targets: held %s, connects/s %s, KB/conn %s, msg/s %s, lag p99 %s" % (
        mark(held >= 19000), mark(conns.get("connects_per_s", 0) >= 5000), mark(per_conn <= 40),
        mark(deliv >= 0.99 * (n - 1)), mark(lag < 1000)))
PY
}
for n in "${counts[@]}"; do
    run_case "$n" "n$n"
    report "$n" "n$n" "$tmp/out-n$n/*/*/results.json"
done

if [ "${MCB_SCALE_SHARDS:-1}" != 0 ]; then
    n=$max
    echo "$n clients as 2 shard processes of $((n / 2)) (publishers split, one subscriber each), started together and merged:"
    pids=()
    for k in 0 1; do
        JOB_COMPLETION_INDEX=$k MCB_SHARD_COUNT=2 "$bin" run scenarios/quick.toml --broker "mqtt://127.0.0.1:$port" \
            --out "$tmp/shards" -q --speed none --start-in 60s \
            --set "load.publishers=$((n - 2))" --set load.subscribers=2 --set load.rate=1 \
            --set "load.duration=$((secs + 5))s" --set load.warmup=5s --set load.drain=5s \
            --set "load.connect_batch=$batch" --set "load.threads=\"$threads\"" --set link.proxy=false \
            --set 'matrix.qos=[0]' --set 'matrix.size=[64]' --set 'matrix.suite=["aes-128-gcm"]' \
            "${sources[@]}" >"$tmp/shard-$k.log" 2>&1 &
        pids+=($!)
    done
    for k in 0 1; do
        wait "${pids[$k]}" || { echo "shard $k failed:" >&2; cat "$tmp/shard-$k.log" >&2; exit 1; }
    done
    "$bin" merge "$tmp"/shards/*/* --out "$tmp/merged" >"$tmp/merge.log" 2>&1 || { cat "$tmp/merge.log" >&2; exit 1; }
    python3 - "$tmp/merged" <<'PY'
import glob, json, sys
p = sorted(glob.glob(sys.argv[1] + "/**/results.json", recursive=True))[-1]
c = json.load(open(p))["cases"][0]
k = c["counts"]
print("  merged: delivered %.0f msg/s, schedule lag p99 %.1f µs, sent %d = delivered %d + lost %d" % (
    c["throughput"]["delivered_msgs_per_s"],
    c["phases"].get("schedule_lag", {}).get("p99", 0) / 1e3, k["sent"], k["delivered"], k["lost"]))
PY
fi
