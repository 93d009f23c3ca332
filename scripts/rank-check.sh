#!/usr/bin/env bash
# Do the in-run crypto figures rank suites as `speed` does? Prints Kendall's tau between the
# order of suites by in-run CPU-clock median and by `speed` on the same machine, per size and
# pooled, over the pairs whose speed figures differ by more than 20% (target: >= 0.8); once
# against `speed`'s hot figures (a tight loop) and once against its cold ones (one call after
# the core's L1d and L2 were evicted, as a publisher that sleeps between messages meets them).
#
# Usage: scripts/rank-check.sh [RUN_DIR]
#   RUN_DIR  an existing run of scenarios/seed-002-block-modes.toml (e.g.
#            results/reference/seed-002-block-modes); without it the seed-002 matrix is run now
#            (one repetition, ~4 minutes) with `--speed auto`, which measures `speed` for the
#            run's suites and sizes right after the cases.
# Extra `run` flags go in RUN_FLAGS, e.g. RUN_FLAGS="--broker mqtt://127.0.0.1:1883".
# Measure on a quiet machine: the script prints the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/mqtt-cipher-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

if [ $# -ge 1 ]; then
    run_dir=$1
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    # shellcheck disable=SC2086
    "$bin" run scenarios/seed-002-block-modes.toml --out "$out" --quiet --speed auto \
        --set load.repeat=1 ${RUN_FLAGS:-} >/dev/null
    run_dir=$(dirname "$(find "$out" -name results.json -print | head -n 1)")
fi

# `report --no-write` prints the summary, rank-agreement lines among it, and writes nothing.
"$bin" report --no-write --wide "$run_dir" | grep '^rank agreement' || {
    echo "no rank agreement in $run_dir: was it run with --speed auto|FILE?" >&2
    exit 1
}
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
