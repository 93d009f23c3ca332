#!/usr/bin/env bash
# Harness vs the Mosquitto command-line pair, in one run, against one local Mosquitto:
#   peer: mosquitto_pub -l (one message per stdin line; 50,000 per process) -> mosquitto_sub -C N,
#         64-byte messages
#   ours: mqtt-cipher-bench closed loop (rate = "max"), published, routed, received, opened,
#         checked and accounted, suite none and aes-128-gcm
# at QoS 0 and 1. Prints msgs/s and the ratios (targets: ours >= 1.5x the pair; aes-128-gcm
# >= 0.9x none), and, where perf can count syscalls, the run's socket sends and thread wake-ups
# per message (aes-128-gcm case). A benchmark, not a test: run it on a quiet machine.
#
# Then where the CPU went, per message: the clients' (ours: the publisher, its event loop, the
# subscriber and the runtime threads over the measured window, from results.json; the pair:
# mosquitto_pub + mosquitto_sub, their whole lives) and the broker's (ours: results.json's
# `broker_us_per_msg`, Mosquitto's threads over the same window; the pair: Mosquitto's
# user+system time from /proc over the pair's run, divided by the messages). With broker and
# clients on one machine they share its cores, so neither side can deliver more than
# cores / (client + broker µs per message): when the broker's share alone is near that bound,
# no client can be 1.5x the pair, and the client column is the comparison that says which
# client is cheaper.
#
# usage: scripts/compare-peers.sh [messages=200000] [seconds=5]
#   MCB_BIN=/path/to/mqtt-cipher-bench scripts/compare-peers.sh   # that binary, no build
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
SECS=${2:-5}
for tool in mosquitto mosquitto_pub mosquitto_sub python3; do
    command -v "$tool" >/dev/null || { echo "compare-peers: $tool not found (apt-get install mosquitto mosquitto-clients)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
max_queued_messages 0
# Without it Mosquitto leaves Nagle on: small messages wait for delayed ACKs (up to 40 ms).
set_tcp_nodelay true
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
url="mqtt://127.0.0.1:$port"
version=$(mosquitto -h 2>/dev/null | head -1 || true)

if [ -z "${MCB_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${MCB_BIN:-target/release/mqtt-cipher-bench}
# Syscalls per message sent, when perf can count them here (root, tracefs), over the whole run
# process (publisher, subscriber, setup): socket sends (send/sendto, sendmsg, writev: one flush
# per publish shows as >= 1, coalesced writes as less) and write(2), which here is almost all
# eventfd wake-ups of one thread by another.
events=syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg
if perf stat -x, -e "$events" -o /dev/null true >/dev/null 2>&1; then perf=1; else perf=; fi

# 64-byte lines (63 characters + newline stripped by mosquitto_pub -l: 63-byte payloads), in
# files of at most 50,000 lines, one mosquitto_pub each: in line mode mosquitto_pub disconnects
# at the first acknowledgement whose packet id is its last message's, and packet ids wrap at
# 65,535, so one process given 200,000 lines at QoS 1 stops after ~69,000 acknowledgements and
# the rest never leave it (what made the QoS 1 peer "receive 3,400 of 200,000" before).
python3 -c "import sys; sys.stdout.write(('x'*63+'\n')*$N)" > "$work/lines"
split -l 50000 -d -a 3 "$work/lines" "$work/chunk."

# The broker's CPU so far (user + system), in seconds, from /proc/<pid>/stat.
broker_cpu() {
    python3 -c "
import os
f = open('/proc/$broker_pid/stat').read().rsplit(')', 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK'))"
}

# Runs a command and writes its CPU time (user + system, its children included) to $1.
cpu_of() {
    local out=$1
    shift
    python3 -c "
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], 'w').write('%f' % (r.ru_utime + r.ru_stime))
sys.exit(rc)" "$out" "$@"
}

peer_rate() { # qos: "received msgs/s client-µs/msg broker-µs/msg", first publish to last receipt
    local qos=$1 start end got b0 b1
    b0=$(broker_cpu)
    # -W: give up rather than hang if the pair loses messages; what arrived is counted.
    (cpu_of "$work/sub-cpu-$qos" mosquitto_sub --nodelay -h 127.0.0.1 -p "$port" -t "peer/q$qos" -q "$qos" -C "$N" -W 120 || true) | wc -l > "$work/got-$qos" &
    local sub=$!
    sleep 0.5
    start=$(date +%s.%N)
    # getrusage(RUSAGE_CHILDREN) of the shell counts every mosquitto_pub it waited for.
    cpu_of "$work/pub-cpu-$qos" bash -c 'for f in "$0".*; do mosquitto_pub --nodelay -h 127.0.0.1 -p "$1" -t "$2" -q "$3" -l < "$f" || exit 1; done' \
        "$work/chunk" "$port" "peer/q$qos" "$qos"
    wait "$sub"
    end=$(date +%s.%N)
    b1=$(broker_cpu)
    got=$(cat "$work/got-$qos")
    python3 -c "
got, N = $got, $N
client = ($(cat "$work/pub-cpu-$qos") + $(cat "$work/sub-cpu-$qos")) * 1e6 / max(got, 1)
print(got, got / ($end - $start), client, ($b1 - $b0) * 1e6 / N)"
}

ours_rate() { # qos suite: "delivered msgs/s sends/wakes client-µs/msg broker-µs/msg"
    local out="$work/ours-$1-$2"
    local wrap=()
    if [ -n "$perf" ]; then wrap=(perf stat -x, -e "$events" -o "$out.perf" --); fi
    "${wrap[@]}" "$bin" run scenarios/quick.toml --broker "$url" --out "$out" -q \
        --set load.publishers=1 --set load.subscribers=1 --set load.rate=max --set load.inflight=1000 \
        --set "load.duration=${SECS}s" --set load.warmup=1s \
        --set link.proxy=false --set "matrix.qos=[$1]" --set "matrix.size=[64]" --set "matrix.suite=[\"$2\"]" >/dev/null
    python3 - "$out" <<'PY'
import json, glob, os, sys
r = json.load(open(glob.glob(sys.argv[1] + "/*/*/results.json")[0]))
c = r["cases"][0]
assert c["counts"]["lost"] == 0 or c["params"]["qos"] == 0, c["counts"]
writes = "-/-"
if os.path.exists(sys.argv[1] + ".perf"):
    n = {}
    for l in open(sys.argv[1] + ".perf"):
        f = l.split(",")
        if len(f) > 2 and f[0].isdigit():
            n[f[2].split("sys_enter_")[-1]] = int(f[0])
    sent = max(c["counts"]["sent"], 1)
    # send(2) is sendto; write(2) here is almost all eventfd wake-ups between threads.
    sock = n.get("sendto", 0) + n.get("sendmsg", 0) + n.get("writev", 0)
    writes = "%.2f/%.2f" % (sock / sent, n.get("write", 0) / sent)
# The clients' CPU per message over the measured window: every thread of the run process
# (publisher, its event loop, subscriber, runtime) against the messages the subscriber received.
# The send threads are no group of their own: their CPU is summed per message (payload
# generation, which no device does, left out).
t = c["cpu"]["threads"]
n = max(t["subscriber_messages"], 1)
client = t["publisher_us_per_msg"] * t["publisher_messages"] / n + \
    sum(g["cpu_s"] for g in t["groups"]) * 1e6 / n
# The broker over the same window (results.json reads a broker process on this host from /proc).
broker = t["broker_us_per_msg"] or float("nan")
print(c["throughput"]["delivered_msgs_per_s"], writes, client, broker)
PY
}

echo "broker: $version on $url; $(nproc) cores; $N peer messages, ${SECS}s harness cases"
printf '%-4s %14s %14s %16s %10s %12s %12s\n' QoS "peer msg/s" "ours none" "ours aes-gcm" "none/peer" "gcm/none" "sends/wakes"
cpu_rows=()
for qos in 0 1; do
    read -r got p pc pb < <(peer_rate "$qos")
    read -r n _ nc nb < <(ours_rate "$qos" none)
    read -r g w gc gb < <(ours_rate "$qos" aes-128-gcm)
    # A pair that lost messages is broken for this comparison: its rate is not divided by.
    python3 -c "
got, p, n, g, N = $got, $p, $n, $g, $N
ratio = '%9.2fx' % (n / p) if got == N else '   broken'
print('%-4s %14.0f %14.0f %16.0f %10s %11.2fx %12s' % ($qos, p, n, g, ratio, g / n, '$w'))
if got != N:
    print('     the mosquitto_pub/sub pair received %d of %d at QoS $qos: no ratio' % (got, N))
"
    cpu_rows+=("$qos $got $pc $pb $nc $nb $gc $gb")
done
echo
echo "CPU per message, µs (clients: both ends; broker: Mosquitto while that side ran)"
printf '%-4s %12s %12s %12s %12s %12s %12s %14s\n' QoS "pair client" "pair broker" "none client" "none broker" "gcm client" "gcm broker" "client pair/none"
for row in "${cpu_rows[@]}"; do
    python3 -c "
import os
qos, got, pc, pb, nc, nb, gc, gb = '$row'.split()
got, pc, pb, nc, nb, gc, gb = int(got), *map(float, (pc, pb, nc, nb, gc, gb))
# Lower is better: the pair's client CPU over ours, as the throughput ratio reads.
ratio = '%13.2fx' % (pc / nc) if got == $N and nc > 0 else '       broken'
print('%-4s %12.2f %12.2f %12.2f %12.2f %12.2f %12.2f %s' % (qos, pc, pb, nc, nb, gc, gb, ratio))
cores = os.cpu_count()
print('     one host, %d cores / (client + broker): pair ~%.0f msg/s, ours (none) ~%.0f msg/s (kernel time is charged to whichever thread ran)' % (cores, cores * 1e6 / (pc + pb), cores * 1e6 / (nc + nb)))
"
done
