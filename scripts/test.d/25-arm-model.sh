#!/usr/bin/env bash
# Smoke test of the ARM cycle model (scripts/arm-model.sh, tools/arm-model): the analyzer's own checks (trace parser,
# llvm-mca plumbing, cache); a tiny arm64 program with two known loops between marker syscalls run under qemu with
# the plugin as a Pi 4 and a Pi 5 (exact instruction counts per "operator", a dependent chain costing more cycles);
# and, when the arm64 edgert is published, the Coral dm05 model for 2 frames on the Cortex-A76 model.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=$(pwd)
passed=0; failed=0; skipped=0
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$(python3 tools/arm-model/analyze.py selftest --mcpu cortex-a76 2>&1); echo "$out"
line=$(echo "$out" | grep -E "^[0-9]+ passed, [0-9]+ failed" | tail -1)
if [ -n "$line" ]; then passed=$((passed + ${line%% *})); failed=$((failed + $(echo "$line" | cut -d' ' -f3))); else bad "analyzer selftest"; fi

if clang -O2 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -o "$tmp/tbcount.so" tools/arm-model/tbcount.c; then ok "plugin builds"; else bad "plugin builds"; fi
if clang --target=aarch64-linux-gnu -O1 -o "$tmp/probe" tools/arm-model/probe-arm64.c; then ok "probe builds"; else bad "probe builds"; fi
printf 'op\tname\tkernel\tmacs\tact_in_bytes\tweight_bytes\tout_bytes\n0\tINDEP\tloop\t8000\t0\t0\t0\n1\tCHAIN\tloop\t0\t0\t0\t0\n' >"$tmp/probe.tsv"
for cpu in cortex-a72 cortex-a76; do
  if qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu $cpu -plugin "$tmp/tbcount.so,out=$tmp/probe-$cpu.trace" "$tmp/probe" &&
     python3 tools/arm-model/analyze.py markers --trace "$tmp/probe-$cpu.trace" --table "$tmp/probe.tsv" --mcpu $cpu \
       --cache "$tmp/cache" --macs-per-cycle 8 --json "$tmp/probe-$cpu.json" >"$tmp/probe-$cpu.md"; then
    ok "$cpu probe run and analysis"
    r=$(python3 - "$tmp/probe-$cpu.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = {x['phase']: x for x in r['phases']}
i0, i1, c0, c1 = p['0']['insns'], p['1']['insns'], p['0']['cycles'], p['1']['cycles']
print('insns', 'ok' if 10000 <= i0 <= 10100 and 10000 <= i1 <= 10100 else 'bad', i0, i1)
print('chain', 'ok' if c1 >= 8000 and c1 > 1.3 * c0 else 'bad', c0, c1)
print('floor', 'ok' if abs(r['floor_cycles'] - 1000) < 1e-6 else 'bad', r['floor_cycles'])
PY
)
    echo "$r"
    while read -r what verdict rest; do
      if [ "$verdict" = ok ]; then ok "$cpu probe $what ($rest)"; else bad "$cpu probe $what ($rest)"; fi
    done <<<"$r"
  else
    bad "$cpu probe run and analysis"
  fi
done

bin=artifacts/publish/linux-arm64/edgert
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
model="$shared/models/coral/deeplabv3_mnv2_dm05_pascal_quant.tflite"
if [ -x "$bin" ] && [ -f "$model" ]; then
  if scripts/arm-model.sh "$model" --cpu a76 --frames 2 --edgert "$here/$bin" --out "$tmp/model" >"$tmp/model.md" 2>"$tmp/model.err"; then
    ok "arm-model.sh on dm05 (Cortex-A76)"
    grep -E "^per frame|^MAC floor" "$tmp/model.md"
    j=$(ls "$tmp"/model/*/edgert-a76.json)
    v=$(python3 -c "
import json; r = json.load(open('$j'))
ops = [p for p in r['phases'] if p['phase'].isdigit()]
print('ok' if len(ops) == 71 and r['cycles'] > 1e7 and 0.3 < r['ipc'] < 4 and r['macs'] > 0 and r['mca_fallback_blocks'] == 0 else 'bad', len(ops), r['cycles'], r['ipc'])")
    if [ "${v%% *}" = ok ]; then ok "dm05 model: 71 operators, plausible cycles and IPC ($v)"; else bad "dm05 model figures ($v)"; fi
  else
    cat "$tmp/model.err"; bad "arm-model.sh on dm05 (Cortex-A76)"
  fi
else
  skipped=$((skipped + 1))
  echo "SKIP: $bin or $model missing (the dm05 model run needs the arm64 publish of 10-aot-publish.sh)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
