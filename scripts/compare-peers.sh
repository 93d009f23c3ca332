#!/usr/bin/env bash
# Harness vs the Mosquitto command-line pair, in one run, against one local Mosquitto:
#   peer: mosquitto_pub -l (one message per stdin line) -> mosquitto_sub -C N, 64-byte messages
#   ours: mqtt-cipher-bench closed loop (rate = "max"), published, routed, received, opened,
#         checked and accounted, suite none and aes-128-gcm
# at QoS 0 and 1. Prints msgs/s and the ratios (targets: ours >= 1.5x the pair; aes-128-gcm
# >= 0.9x none). A benchmark, not a test: run it on a quiet machine.
#
# usage: scripts/compare-peers.sh [messages=200000] [seconds=5]
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

cargo build --release --quiet
bin=target/release/mqtt-cipher-bench

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
    "$bin" run scenarios/quick.toml --broker "$url" --out "$out" -q \
        --set load.publishers=1 --set load.subscribers=1 --set load.rate=max --set load.inflight=1000 \
        --set "load.duration=${SECS}s" --set load.warmup=1s \
        --set link.proxy=false --set "matrix.qos=[$1]" --set "matrix.size=[64]" --set "matrix.suite=[\"$2\"]" >/dev/null
    python3 - "$out" <<'PY'
import json, glob, sys
r = json.load(open(glob.glob(sys.argv[1] + "/*/*/results.json")[0]))
c = r["cases"][0]
assert c["counts"]["lost"] == 0 or c["params"]["qos"] == 0, c["counts"]
print(c["throughput"]["delivered_msgs_per_s"])
PY
}

echo "broker: $version on $url; $(nproc) cores; $N peer messages, ${SECS}s harness cases"
printf '%-4s %14s %14s %16s %10s %12s\n' QoS "peer msg/s" "ours none" "ours aes-gcm" "none/peer" "gcm/none"
for qos in 0 1; do
    read -r got p < <(peer_rate "$qos")
    n=$(ours_rate "$qos" none)
    g=$(ours_rate "$qos" aes-128-gcm)
    # A pair that lost messages is broken for this comparison: its rate is not divided by.
    python3 -c "
got, p, n, g, N = $got, $p, $n, $g, $N
ratio = '%9.2fx' % (n / p) if got == N else '   broken'
print('%-4s %14.0f %14.0f %16.0f %10s %11.2fx' % ($qos, p, n, g, ratio, g / n))
if got != N:
    print('     the mosquitto_pub/sub pair received %d of %d at QoS $qos: no ratio' % (got, N))
"
done
