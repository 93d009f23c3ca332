#!/usr/bin/env bash
# Harness vs the Mosquitto command-line pair, in one run, against one local Mosquitto:
#   peer: mosquitto_pub -l (one message per stdin line) -> mosquitto_sub -C N, 64-byte messages
#   ours: mqtt-cipher-bench closed loop (rate = "max"), published, routed, received, opened,
#         checked and accounted, suite none and aes-128-gcm
# at QoS 0 and 1. Prints msgs/s and the ratios (targets: ours >= 1.5x the pair; aes-128-gcm
# >= 0.9x none), and, where perf can count syscalls, the run's socket sends and thread wake-ups
# per message (aes-128-gcm case). A benchmark, not a test: run it on a quiet machine.
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

# 64-byte lines (63 characters + newline stripped by mosquitto_pub -l: 63-byte payloads).
python3 -c "import sys; sys.stdout.write(('x'*63+'\n')*$N)" > "$work/lines"

peer_rate() { # qos: "received msgs/s", from the first publish to the last receipt
    local qos=$1 start end got
    # -W: give up rather than hang if the pair loses messages; what arrived is counted.
    (mosquitto_sub --nodelay -h 127.0.0.1 -p "$port" -t "peer/q$qos" -q "$qos" -C "$N" -W 120 || true) | wc -l > "$work/got-$qos" &
    local sub=$!
    sleep 0.5
    start=$(date +%s.%N)
    mosquitto_pub --nodelay -h 127.0.0.1 -p "$port" -t "peer/q$qos" -q "$qos" -l < "$work/lines"
    wait "$sub"
    end=$(date +%s.%N)
    got=$(cat "$work/got-$qos")
    python3 -c "print($got, $got / ($end - $start))"
}

ours_rate() { # qos suite
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
print(c["throughput"]["delivered_msgs_per_s"], writes)
PY
}

echo "broker: $version on $url; $(nproc) cores; $N peer messages, ${SECS}s harness cases"
printf '%-4s %14s %14s %16s %10s %12s %12s\n' QoS "peer msg/s" "ours none" "ours aes-gcm" "none/peer" "gcm/none" "sends/wakes"
for qos in 0 1; do
    read -r got p < <(peer_rate "$qos")
    read -r n _ < <(ours_rate "$qos" none)
    read -r g w < <(ours_rate "$qos" aes-128-gcm)
    # A pair that lost messages is broken for this comparison: its rate is not divided by.
    python3 -c "
got, p, n, g, N = $got, $p, $n, $g, $N
ratio = '%9.2fx' % (n / p) if got == N else '   broken'
print('%-4s %14.0f %14.0f %16.0f %10s %11.2fx %12s' % ($qos, p, n, g, ratio, g / n, '$w'))
if got != N:
    print('     the mosquitto_pub/sub pair received %d of %d at QoS $qos: no ratio' % (got, N))
"
done
