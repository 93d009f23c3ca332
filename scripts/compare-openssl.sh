#!/usr/bin/env bash
# Compare this harness's `speed` numbers with `openssl speed -evp` for every algorithm both
# implement, at the same sizes, and print ours / openssl per cell (encryption, as openssl speed
# measures by default).
#
# Usage: scripts/compare-openssl.sh [SUITE ...]
#   default suites: every suite openssl also has (PCBC, CTR of 64-bit ciphers, Ascon and the
#   hybrids have no `openssl speed -evp` counterpart and are skipped with a note).
# Environment:
#   SIZES=16,64,256,1024,8192,16384   sizes in bytes (comma-separated)
#   SECONDS_PER=1                     openssl speed -seconds per algorithm and size
#   OURS_JSON=file.json               use a saved `speed --json` report instead of running cargo
#   DECRYPT=1                         compare decryption instead (openssl speed -decrypt)
set -euo pipefail

SIZES=${SIZES:-16,64,256,1024,8192,16384}
SECONDS_PER=${SECONDS_PER:-1}
cd "$(dirname "$0")/.."

if ! command -v openssl >/dev/null 2>&1; then
    echo "compare-openssl: openssl is not installed (or not on PATH); install it (e.g. apt-get install openssl) to compare." >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "compare-openssl: python3 is needed to read the JSON reports." >&2
    exit 1
fi

# Our suite name -> openssl EVP cipher name, and whether it needs the legacy provider.
openssl_name() {
    local s=$1 cipher mode
    case $s in
        aes-128-gcm | aes-256-gcm | aes-128-ccm | chacha20-poly1305) echo "$s"; return ;;
    esac
    cipher=${s%-*}
    mode=${s##*-}
    case $mode in ecb | cbc | cfb | ofb | ctr) ;; *) return 1 ;; esac
    case $cipher in
        aes-128 | aes-192 | aes-256) echo "$cipher-$mode" ;;
        des) [ "$mode" = ctr ] && return 1; echo "des-$mode" ;;
        3des) [ "$mode" = ctr ] && return 1
              if [ "$mode" = ecb ]; then echo "des-ede3-ecb"; else echo "des-ede3-$mode"; fi ;;
        blowfish) [ "$mode" = ctr ] && return 1; echo "bf-$mode" ;;
        *) return 1 ;;
    esac
}

ALL_COMPARABLE="aes-128-ecb aes-128-cbc aes-128-cfb aes-128-ofb aes-128-ctr
aes-192-ecb aes-192-cbc aes-192-cfb aes-192-ofb aes-192-ctr
aes-256-ecb aes-256-cbc aes-256-cfb aes-256-ofb aes-256-ctr
des-ecb des-cbc des-cfb des-ofb 3des-ecb 3des-cbc 3des-cfb 3des-ofb
blowfish-ecb blowfish-cbc blowfish-cfb blowfish-ofb
aes-128-gcm aes-256-gcm aes-128-ccm chacha20-poly1305"
if [ $# -gt 0 ]; then SUITES="$*"; else SUITES=$ALL_COMPARABLE; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

comparable=()
for s in $SUITES; do
    if name=$(openssl_name "$s"); then
        comparable+=("$s")
    else
        echo "note: $s has no openssl speed -evp counterpart; skipped" >&2
    fi
done
[ ${#comparable[@]} -gt 0 ] || { echo "compare-openssl: nothing to compare" >&2; exit 2; }
suite_csv=$(IFS=,; echo "${comparable[*]}")

# --- openssl: one run per algorithm and size, machine-readable (+F lines are bytes/s) ---------
decrypt_flag=()
[ "${DECRYPT:-0}" = 1 ] && decrypt_flag=(-decrypt)
: >"$work/openssl.tsv"
for s in "${comparable[@]}"; do
    name=$(openssl_name "$s")
    providers=()
    case $name in des-ecb | des-cbc | des-cfb | des-ofb | bf-*) providers=(-provider legacy -provider default) ;; esac
    for size in ${SIZES//,/ }; do
        echo "openssl speed $name ${size} bytes..." >&2
        if out=$(openssl speed -elapsed -mr -seconds "$SECONDS_PER" -bytes "$size" \
            "${providers[@]}" "${decrypt_flag[@]}" -evp "$name" 2>&1); then
            bps=$(printf '%s\n' "$out" | awk -F: '/^\+F:/ {print $4; exit}')
            printf '%s\t%s\t%s\n' "$s" "$size" "${bps:-nan}" >>"$work/openssl.tsv"
        else
            echo "warning: openssl speed -evp $name failed: $(printf '%s' "$out" | tail -1)" >&2
            printf '%s\t%s\tnan\n' "$s" "$size" >>"$work/openssl.tsv"
        fi
    done
done

# --- ours ------------------------------------------------------------------------------------
if [ -n "${OURS_JSON:-}" ]; then
    cp "$OURS_JSON" "$work/ours.json"
else
    echo "cargo run --release -- speed --json --suites $suite_csv --sizes $SIZES" >&2
    cargo run --release --quiet -- speed --json --suites "$suite_csv" --sizes "$SIZES" >"$work/ours.json"
fi

# --- ratio table -------------------------------------------------------------------------------
python3 - "$work/ours.json" "$work/openssl.tsv" "${DECRYPT:-0}" <<'PY'
import json, math, sys
ours_path, ossl_path, decrypt = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
direction = "decrypt" if decrypt else "encrypt"
ours = {}
for s in json.load(open(ours_path))["suites"]:
    for cell in s["sizes"]:
        ours[(s["suite"], cell["size"])] = cell[direction]["kbytes_per_s"]
rows, sizes = {}, []
for line in open(ossl_path):
    suite, size, bps = line.rstrip("\n").split("\t")
    size = int(size)
    if size not in sizes:
        sizes.append(size)
    rows.setdefault(suite, {})[size] = float(bps) / 1000.0
print(f"{direction}: ours / openssl (1000s of bytes per second; ratio > 1 means ours is faster)")
print(f"{'suite':<20}" + "".join(f"{str(s) + ' B':>26}" for s in sizes))
print(f"{'':<20}" + "".join(f"{'ours':>10}{'openssl':>10}{'ratio':>6}" for _ in sizes))
for suite, cells in rows.items():
    line = f"{suite:<20}"
    for size in sizes:
        o, r = ours.get((suite, size), math.nan), cells.get(size, math.nan)
        ratio = o / r if r and not math.isnan(r) and not math.isnan(o) else math.nan
        line += f"{o:>9.0f}k{r:>9.0f}k{ratio:>6.2f}"
    print(line)
PY
