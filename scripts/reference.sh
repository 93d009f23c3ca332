#!/usr/bin/env bash
# Regenerate results/reference/: the reports the README links, measured on this machine.
#
# Runs scenarios/quick.toml and, when they exist, seed-002-block-modes.toml,
# seed-004-s-mqtt.toml and mqtt-versions.toml, each into
# results/reference-tmp/<scenario>/<timestamp>/, then copies each run folder flat to
# results/reference/<scenario>/ (no timestamp level), so links such as
# results/reference/quick/charts/throughput.svg stay stable from one regeneration to the next.
#
# Usage: scripts/reference.sh [extra `run` flags, e.g. --broker mqtt://host:1883]
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=results/reference-tmp
dest=results/reference
scenarios=()
for name in quick seed-002-block-modes seed-004-s-mqtt mqtt-versions; do
    if [ -f "scenarios/$name.toml" ]; then
        scenarios+=("$name")
    else
        echo "skipping $name: scenarios/$name.toml does not exist" >&2
    fi
done

cargo build --release
bin=${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench

for name in "${scenarios[@]}"; do
    echo "== $name" >&2
    # A fresh tmp per scenario: its one results.json is this run's, whatever `name` the
    # scenario file gives the folder.
    rm -rf "$tmp"
    "$bin" run "scenarios/$name.toml" --out "$tmp" --quiet "$@"
    results=$(find "$tmp" -name results.json -print | head -n 1)
    if [ -z "$results" ]; then
        echo "$name: no results.json under $tmp" >&2
        exit 1
    fi
    run_dir=$(dirname "$results")
    rm -rf "${dest:?}/$name"
    mkdir -p "$dest/$name"
    cp -R "$run_dir"/. "$dest/$name/"
    echo "$name -> $dest/$name" >&2
done
rm -rf "$tmp"
ls -1 "$dest"
