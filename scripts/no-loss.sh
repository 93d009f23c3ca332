#!/usr/bin/env bash
# Seed 003's "without any loss of data", measured: scenarios/seed-003-no-loss.toml (QoS 0/1/2
# x clean/persistent sessions) against a local Mosquitto with `persistence true`, which this
# script stops in the middle of every case and starts again DOWN seconds later. Two runs: the
# broker stopped with SIGTERM (a clean shutdown: Mosquitto saves its sessions and queued
# messages) and with SIGKILL (a crash: with the default autosave interval of 30 min it saved
# nothing of the run). Prints, per signal, QoS and session kind: cases, sent, delivered, lost,
# duplicated, and how many reconnects found their session.
#
# How a case's middle is found: publishers connect after the subscribers, with client ids
# unique per case and repetition (mcb-…-p0 is a case's first publisher). When Mosquitto's log
# shows a new such id, the script waits AFTER seconds (warm-up and a second of publishing),
# then stops the broker.
#
# Usage: scripts/no-loss.sh [OUT_DIR]   (default: a temp folder; the two run folders go there)
# Environment: BIN (a mqtt-cipher-bench binary; default: build the release one), DOWN
# (default 1.5), AFTER (default 1.5), SIGNALS (default "TERM KILL"), and any extra `run`
# flags in RUN_FLAGS (e.g. "--set load.repeat=1").
set -euo pipefail
cd "$(dirname "$0")/.."

down=${DOWN:-1.5}
after=${AFTER:-1.5}
signals=${SIGNALS:-TERM KILL}
for c in mosquitto python3; do
    command -v "$c" >/dev/null 2>&1 || { echo "no-loss.sh: $c not found (apt-get install mosquitto)" >&2; exit 1; }
done
bin=${BIN:-}
if [ -z "$bin" ]; then
    cargo build --release
    bin=${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench
fi
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/no-loss.XXXXXX")}
mkdir -p "$out"
echo "results under: $out" >&2
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill -KILL "$broker_pid" 2>/dev/null || true; }
trap cleanup EXIT

# start_broker DIR: Mosquitto on $port with its persistence file in DIR.
start_broker() {
    local d=$1
    mosquitto -c "$d/mosquitto.conf" >/dev/null 2>&1 &
    broker_pid=$!
    for _ in $(seq 200); do
        (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "no-loss.sh: mosquitto did not start; its log: $d/mosquitto.log" >&2
    exit 1
}

for sig in $signals; do
    d="$out/broker-$sig"
    rm -rf "$d"
    mkdir -p "$d"
    # Loopback only and anonymous: nothing here is reachable from another host. Defaults
    # otherwise (max_queued_messages 1000, max_inflight_messages 20), plus persistence and
    # TCP_NODELAY (Mosquitto's default delays small writes).
    cat > "$d/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $d/
set_tcp_nodelay true
log_dest file $d/mosquitto.log
log_type notice
log_type information
user $(id -un)
EOF
    start_broker "$d"
    # shellcheck disable=SC2086
    "$bin" run scenarios/seed-003-no-loss.toml --broker "mqtt://127.0.0.1:$port" \
        --out "$out/run-$sig" -q --speed none ${RUN_FLAGS:-} >"$out/run-$sig.txt" 2>&1 &
    run_pid=$!
    seen=" "
    restarts=0
    while kill -0 "$run_pid" 2>/dev/null; do
        # Ids of first publishers that connected, in order; each case's appears on its first
        # connect and again on every reconnect, so only new ones count.
        ids=$(grep -o 'as mcb-[A-Za-z0-9_-]*-p0 ' "$d/mosquitto.log" 2>/dev/null | awk '{print $2}' | uniq || true)
        for id in $ids; do
            case "$seen" in *" $id "*) continue ;; esac
            seen="$seen$id "
            sleep "$after"
            kill -"$sig" "$broker_pid" 2>/dev/null || true
            wait "$broker_pid" 2>/dev/null || true
            sleep "$down"
            start_broker "$d"
            restarts=$((restarts + 1))
        done
        sleep 0.1
    done
    wait "$run_pid" || echo "no-loss.sh: the SIG$sig run exited with $? (see $out/run-$sig.txt)" >&2
    echo "SIG$sig: $restarts restarts" >&2
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=
done

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$out" $signals <<'EOF'
import glob, json, sys
out, sigs = sys.argv[1], sys.argv[2:]
print(f"{'stop':<8} {'qos':>3} {'session':<11} {'cases':>5} {'sent':>7} {'delivered':>9} "
      f"{'lost':>6} {'dup':>5} {'resumed':>9}  no loss?")
for sig in sigs:
    runs = glob.glob(f"{out}/run-{sig}/*/*/results.json")
    if not runs:
        print(f"SIG{sig}: no results.json (see {out}/run-{sig}.txt)")
        continue
    r = json.load(open(runs[0]))
    groups = {}
    for c in r["cases"]:
        k = (c["params"]["qos"], c["params"].get("session", "clean"))
        g = groups.setdefault(k, dict(cases=0, sent=0, delivered=0, lost=0, dup=0,
                                      reconnects=0, resumed=0, outages=0, failed=0))
        n = c["counts"]
        g["cases"] += 1
        g["sent"] += n["sent"]; g["delivered"] += n["delivered"]; g["lost"] += n["lost"]
        g["dup"] += n["duplicated"]
        g["outages"] += 1 if c.get("outages") else 0
        g["failed"] += 1 if c["status"] != "ok" else 0
        s = c.get("session_resumes")
        if s:
            g["reconnects"] += s["reconnects"]; g["resumed"] += s["resumed"]
    for (qos, session), g in sorted(groups.items()):
        resumed = f"{g['resumed']}/{g['reconnects']}" if session == "persistent" else "-"
        verdict = "held" if g["lost"] == 0 else "NO"
        if g["outages"] < g["cases"]:
            verdict += f" ({g['cases'] - g['outages']} case(s) saw no restart)"
        if g["failed"]:
            verdict += f" ({g['failed']} failed)"
        print(f"SIG{sig:<5} {qos:>3} {session:<11} {g['cases']:>5} {g['sent']:>7} "
              f"{g['delivered']:>9} {g['lost']:>6} {g['dup']:>5} {resumed:>9}  {verdict}")
EOF
