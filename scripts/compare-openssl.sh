#!/usr/bin/env bash
# Compare this harness's `speed` figures with `openssl speed`, like with like, in one table of
# ratios (ours / openssl throughput at the same size; > 1 means ours is faster):
#
# - AEADs per message: `openssl speed -aead -evp NAME` (a fresh IV, 13 B of AAD and the tag per
#   message, at its own sizes 2, 31, 136, 1024, 8192, 16384) against ours at the same sizes with
#   13 B of AAD (`speed --aad-len 13`), on the best provider of each suite.
# - Block modes: `openssl speed -evp NAME` streams (one EVP context fed the same buffer again
#   and again: no IV, key schedule or padding per call) against ours streaming the same way
#   (`speed --stream`: one mode context, N more bytes per call), like with like; and, on a row
#   of its own, our per-message figure (a fresh IV and, in ECB/CBC, a PKCS#7 block each
#   message), for scale. At 16 KiB the two of ours differ by one IV setup and one padding block.
# - Public key: `openssl speed ecdsap256 ecdhp256 ed25519 rsa2048` against ours (sign and verify
#   over 64 bytes; RSA is PSS here, PKCS#1 v1.5 in openssl speed: the same private-key
#   operation plus a hash, noted in the row).
#
# Usage: scripts/compare-openssl.sh [aead] [block] [pk]     (default: all three groups)
# Environment:
#   SECONDS_PER=1        openssl speed -seconds per algorithm (and size for block modes)
#   TIME=300ms           our `speed --time` per cell
#   BLOCK_SIZES=1024,16384   sizes for the block modes
#   BLOCK_SUITES="..."   block suites to compare (default: AES in every mode openssl has,
#                        DES, 3DES and Blowfish in CBC)
#   BIN=path             run this mqtt-cipher-bench binary (a release build) instead of cargo run
#   OURS_DIR=dir         reuse ours-aead.json / ours-block.json / ours-pk.json from a former run
#                        instead of running cargo (they are kept there when OURS_DIR is set)
set -euo pipefail

SECONDS_PER=${SECONDS_PER:-1}
TIME=${TIME:-300ms}
BLOCK_SIZES=${BLOCK_SIZES:-1024,16384}
BLOCK_SUITES=${BLOCK_SUITES:-"aes-128-ecb aes-128-cbc aes-128-cfb aes-128-ofb aes-128-ctr aes-256-cbc aes-256-ctr des-cbc 3des-cbc blowfish-cbc"}
AEAD_SUITES="aes-128-gcm aes-256-gcm aes-128-ccm chacha20-poly1305"
AEAD_SIZES=2,31,136,1024,8192,16384
cd "$(dirname "$0")/.."

for tool in openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "compare-openssl: $tool is not installed (or not on PATH)." >&2
        exit 1
    }
done
groups=${*:-aead block pk}
for g in $groups; do
    case $g in aead | block | pk) ;; *) echo "compare-openssl: unknown group \"$g\" (expected aead, block or pk)" >&2; exit 2 ;; esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ours_dir=${OURS_DIR:-$work}
mkdir -p "$ours_dir"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$work/conditions"
echo "openssl: $(openssl version)" >>"$work/conditions"

# Our suite name -> openssl EVP cipher name (and the legacy provider for DES and Blowfish).
openssl_name() {
    local cipher=${1%-*} mode=${1##*-}
    case $cipher in
        aes-128 | aes-192 | aes-256) echo "$cipher-$mode" ;;
        des) echo "des-$mode" ;;
        3des) if [ "$mode" = ecb ]; then echo des-ede3-ecb; else echo "des-ede3-$mode"; fi ;;
        blowfish) echo "bf-$mode" ;;
        *) return 1 ;;
    esac
}
legacy() { case $1 in des-ecb | des-cbc | des-cfb | des-ofb | bf-*) echo "-provider legacy -provider default" ;; esac; }

ours() { # ours NAME ARGS...: one `speed --json` run, kept as ours-NAME.json
    local name=$1
    shift
    if [ -n "${OURS_DIR:-}" ] && [ -s "$ours_dir/ours-$name.json" ]; then
        echo "reusing $ours_dir/ours-$name.json" >&2
        return
    fi
    local cmd=(cargo run --release --quiet --)
    [ -n "${BIN:-}" ] && cmd=("$BIN")
    echo "${cmd[*]} speed --json --provider all --time $TIME $*" >&2
    "${cmd[@]}" speed --json --provider all --time "$TIME" "$@" >"$ours_dir/ours-$name.json"
}

: >"$work/openssl.tsv" # group, algorithm, size, operation, per second
if [[ " $groups " == *" aead "* ]]; then
    for s in $AEAD_SUITES; do
        echo "openssl speed -aead -evp $s ..." >&2
        out=$(openssl speed -elapsed -mr -seconds "$SECONDS_PER" -aead -evp "$s" 2>&1) || {
            echo "warning: openssl speed -aead -evp $s failed: $(printf '%s' "$out" | tail -1)" >&2
            continue
        }
        # +H:2:31:136:... lists the sizes, +F:n:NAME:bps:bps:... the bytes/s at each.
        printf '%s\n' "$out" | awk -F: -v s="$s" '
            /^\+H:/ { for (i = 2; i <= NF; i++) size[i - 1] = $i; n = NF - 1 }
            /^\+F:/ { for (i = 1; i <= n; i++) printf "aead\t%s\t%s\tseal\t%s\n", s, size[i], $(i + 3) / size[i] }
        ' >>"$work/openssl.tsv"
    done
    ours aead --suites "${AEAD_SUITES// /,}" --sizes "$AEAD_SIZES" --aad-len 13 --signatures none --no-ecdh
fi
if [[ " $groups " == *" block "* ]]; then
    for s in $BLOCK_SUITES; do
        name=$(openssl_name "$s") || { echo "note: $s has no openssl -evp name; skipped" >&2; continue; }
        for size in ${BLOCK_SIZES//,/ }; do
            echo "openssl speed -evp $name -bytes $size ..." >&2
            # shellcheck disable=SC2046 # legacy's words are separate arguments
            if out=$(openssl speed -elapsed -mr -seconds "$SECONDS_PER" -bytes "$size" $(legacy "$name") -evp "$name" 2>&1); then
                printf '%s\n' "$out" | awk -F: -v s="$s" -v size="$size" \
                    '/^\+F:/ { printf "block\t%s\t%s\tencrypt\t%s\n", s, size, $4 / size; exit }' >>"$work/openssl.tsv"
            else
                echo "warning: openssl speed -evp $name failed: $(printf '%s' "$out" | tail -1)" >&2
            fi
        done
    done
    ours block --stream --suites "${BLOCK_SUITES// /,}" --sizes "$BLOCK_SIZES" --signatures none --no-ecdh
fi
if [[ " $groups " == *" pk "* ]]; then
    echo "openssl speed ecdsap256 ecdhp256 ed25519 rsa2048 ..." >&2
    openssl speed -elapsed -mr -seconds "$SECONDS_PER" ecdsap256 ecdhp256 ed25519 rsa2048 2>/dev/null | awk -F: '
        /^\+F2:/ { printf "pk\trsa-2048\t0\tsign\t%s\npk\trsa-2048\t0\tverify\t%s\n", $4, $5 }
        /^\+F4:/ { printf "pk\tecdsa-p256\t0\tsign\t%s\npk\tecdsa-p256\t0\tverify\t%s\n", $4, $5 }
        /^\+F5:/ { printf "pk\tecdh-p256\t0\tderive\t%s\n", $4 }
        /^\+F6:/ { printf "pk\ted25519\t0\tsign\t%s\npk\ted25519\t0\tverify\t%s\n", $5, $6 }
    ' >>"$work/openssl.tsv"
    ours pk --suites none --sizes 16 --signatures ecdsa-p256,ed25519,rsa-2048-pss
fi
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/conditions"

python3 - "$work/openssl.tsv" "$ours_dir" "$work/conditions" <<'PY'
import json, math, os, sys
ossl_path, ours_dir, conditions = sys.argv[1:4]

def load(name):
    path = os.path.join(ours_dir, f"ours-{name}.json")
    return json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else None

# (group, algorithm, size, operation, how ours was measured) -> [(per second, provider, implementation)]
ours = {}
def add(key, rate, provider, impl):
    if rate:
        ours.setdefault(key, []).append((1e9 / rate["median_ns"], provider, impl))

# The rows of ours set beside each openssl row, in this order: block modes get two, the stream
# (like with like) and the per-message figure (for scale).
VARIANTS = {"aead": ["per msg"], "block": ["stream", "per msg"], "pk": [""]}
for group in ("aead", "block"):
    report = load(group)
    for row in (report or {}).get("suites", []):
        for cell in row["sizes"]:
            op = "seal" if group == "aead" else "encrypt"
            key = (group, row["suite"], cell["size"], op)
            add(key + ("per msg",), cell["encrypt"], row.get("provider"), row["implementation"])
            if group == "block":
                add(key + ("stream",), cell.get("stream_encrypt"), row.get("provider"), row["implementation"])
report = load("pk") or {}
names = {"ecdsa-p256": "ecdsa-p256", "ed25519": "ed25519", "rsa-2048-pss": "rsa-2048"}
for sig in report.get("signatures", []):
    alg = names.get(sig["alg"])
    if alg:
        add(("pk", alg, 0, "sign", ""), sig.get("sign"), sig.get("provider"), sig["implementation"])
        add(("pk", alg, 0, "verify", ""), sig.get("verify"), sig.get("provider"), sig["implementation"])
for e in report.get("ecdh", []):
    add(("pk", "ecdh-p256", 0, "derive", ""), e.get("rate"), e["provider"], e["implementation"])

print(open(conditions).read().rstrip())
print()
print("rule: ratio = ours / openssl, operations (messages, signatures, derivations) per second at the")
print("same size; > 1 means ours is faster. ours = the median of our samples on the fastest provider")
print("of the row (named; every provider was measured); openssl = one `openssl speed` run.")
print("aead: per message, fresh IV + 13 B AAD + tag on both sides (openssl speed -aead).")
print("block: openssl speed -evp streams one EVP context over its buffer, again and again (no IV,")
print("  key schedule or padding per call). 'stream' = ours the same way (speed --stream: one mode")
print("  context, N more bytes per call): like with like, the ratio to read. 'per msg' = our")
print("  per-message seal (fresh IV, PKCS#7 block in ECB/CBC/PCBC), for scale only.")
print()
hdr = f"{'group':<6} {'algorithm':<18} {'size':>7} {'op':<7} {'ours as':<8} {'ours/s':>12} {'openssl/s':>12} {'ratio':>6}  provider (ours)"
print(hdr)
print("-" * len(hdr))
others = []
for line in open(ossl_path):
    group, alg, size, op, per_s = line.rstrip("\n").split("\t")
    size, theirs = int(size), float(per_s)
    label = f"{size} B" if size else ""
    for variant in VARIANTS[group]:
        mine = ours.get((group, alg, size, op, variant), [])
        best = max(mine, default=None)
        ratio = best[0] / theirs if best and theirs > 0 else math.nan
        note = " (ours PSS)" if alg == "rsa-2048" and op == "sign" else ""
        prov = f"{best[1]}{note}" if best else "not measured"
        print(f"{group:<6} {alg:<18} {label:>7} {op:<7} {variant:<8} {best[0] if best else math.nan:>12.0f} {theirs:>12.0f} {ratio:>6.2f}  {prov}")
        for (v, p, _) in sorted(mine, reverse=True)[1:]:
            others.append(f"  {group} {alg} {label} {op} {variant}: {p} {v:.0f}/s ({v / theirs:.2f}x)")
if others:
    print()
    print("the other providers of each row:")
    print("\n".join(others))
print()
print("implementations of our rows:")
seen = set()
for (group, alg, _, _, _), rows in sorted(ours.items()):
    for (_, p, impl) in rows:
        if (alg, p) not in seen:
            seen.add((alg, p))
            print(f"  {alg} {p}: {impl}")
PY
