#!/usr/bin/env bash
# What Mosquitto's `set_tcp_nodelay` costs per connection: runs a small TCP + TLS study against a
# local Mosquitto twice, with its default (false) and with `set_tcp_nodelay true`, and prints the
# `connect` (TCP + TLS + CONNECT -> CONNACK) and `tls_handshake` medians of each, with the
# number of connections they come from. The README's figure comes from this script.
#
# Usage: scripts/mosquitto-nodelay.sh        (needs mosquitto, mosquitto_passwd, openssl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench
work=$(mktemp -d)
trap 'MCB_MOSQUITTO_DIR=$work/broker scripts/mosquitto.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

for nodelay in false true; do
    export MCB_MOSQUITTO_DIR=$work/broker
    rm -rf "$MCB_MOSQUITTO_DIR"
    eval "$(MCB_TCP_NODELAY=$nodelay scripts/mosquitto.sh start)"
    export MQTT_PASSWORD
    # 4 publishers + 1 subscriber connect per case; 3 repetitions of tcp and tls, 64 B, QoS 1.
    "$bin" run scenarios/quick.toml --out "$work/runs-$nodelay" --quiet --speed none \
        --broker "$MCB_MQTT_URL" --set "broker.tls_url=\"$MCB_MQTTS_URL\"" \
        --set "broker.ca=\"$MCB_CA\"" --set "broker.username=\"$MCB_USER\"" \
        --set 'broker.password_env="MQTT_PASSWORD"' --set 'matrix.suite=["none"]' \
        --set 'matrix.qos=[1]' --set 'matrix.size=[64]' --set 'matrix.transport=["tcp","tls"]' \
        --set load.repeat=3 --set 'load.duration="1s"' --set 'load.warmup="200ms"' >/dev/null
    scripts/mosquitto.sh stop >/dev/null
    results=$(find "$work/runs-$nodelay" -name results.json | head -n 1)
    python3 - "$results" "$nodelay" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
for transport in ("tcp", "tls"):
    cases = [c for c in r["cases"] if c["params"]["transport"] == transport and c["status"] == "ok"]
    def med(phase):
        v = [c["phases"][phase]["p50"] for c in cases if phase in c["phases"]]
        n = sum(c["phases"][phase]["count"] for c in cases if phase in c["phases"])
        return (statistics.median(v) / 1e6, min(v) / 1e6, max(v) / 1e6, n) if v else None
    line = f"set_tcp_nodelay {sys.argv[2]:<5} {transport}: "
    for phase in ("connect", "tls_handshake"):
        m = med(phase)
        if m:
            line += f"{phase} p50 {m[0]:.2f} ms (repetitions {m[1]:.2f}-{m[2]:.2f}, {m[3]} connections)  "
    print(line)
PY
done
