#!/usr/bin/env bash
# Render a run folder's report.html to a PNG in headless Chromium, to look at the report as a
# reader's browser shows it (fonts, table scrolling, chart scaling).
#
# Usage: scripts/screenshot.sh RUN_DIR [OUT.png]
#   OUT.png defaults to RUN_DIR/report.png.
# Environment:
#   WIDTH=1200    window width in CSS pixels (390 for a phone)
#   HEIGHT=3000   window height: the screenshot is of the window, not the whole page
#   PAGE=report.html   which HTML file of RUN_DIR to render (e.g. compare-*/compare.html)
#   CHROMIUM=chromium  the browser binary (Debian: apt-get install -y chromium)
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 RUN_DIR [OUT.png]" >&2
    exit 2
fi
run_dir=$1
page=${PAGE:-report.html}
html="$run_dir/$page"
out=${2:-$run_dir/report.png}
width=${WIDTH:-1200}
height=${HEIGHT:-3000}
chromium=${CHROMIUM:-chromium}

if [ ! -f "$html" ]; then
    echo "$html: no such file (run \`mqtt-cipher-bench report $run_dir\` first?)" >&2
    exit 2
fi
if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "$chromium not found; on Debian: apt-get install -y chromium" >&2
    exit 1
fi

# Chromium wants absolute paths for both the page URL and the screenshot file.
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }
html_abs=$(abs "$html")
mkdir -p "$(dirname "$out")"
out_abs=$(abs "$out")

# A throw-away profile, and every background fetch off: the report is self-contained, so the
# browser has no reason to touch the network.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$width,$height" --screenshot="$out_abs" "file://$html_abs" \
    >/dev/null 2>"$profile/chromium.log" || {
    cat "$profile/chromium.log" >&2
    exit 1
}
if [ ! -s "$out_abs" ]; then
    cat "$profile/chromium.log" >&2
    echo "no screenshot written" >&2
    exit 1
fi
echo "$out_abs"
