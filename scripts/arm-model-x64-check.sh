#!/usr/bin/env bash
# Checks the cycle model's method where it can be checked, on this x64 machine (called by scripts/arm-model.sh
# --x64-check): the linux-x64 NativeAOT edgert runs `opmarkers` under qemu-x86_64 -cpu max with the block-counting
# plugin, llvm-mca -mcpu=znver3 (the newest AMD model in LLVM 14; this box is a Zen 5 EPYC) estimates the cycles,
# tools/arm-model/clockprobe.c measures the effective clock, and the predicted inference time is compared with
# the same operators timed natively on 1 thread by `edgert opmarkers --times` (this thread's CPU time per operator and
# frame, minimum and median over the frames; this machine is shared, so wall time includes waiting for a core), for
# both per-block cycle metrics of tools/arm-model/analyze.py (steady, mixed). Both runs use the same kernel variant: EDGERT_KERNELS=avx2 and EDGERT_VNNI=0 (qemu 7.2 TCG emulates
# AVX2 but not AVX-VNNI/AVX-512, so the native run must not take the VNNI kernels either).
# Usage: scripts/arm-model-x64-check.sh MODEL [--out DIR] [--input FILE] [--publish]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=$here/tools/arm-model
MODEL=$1; shift
OUT=artifacts/arm-model
INPUT=""
PUBLISH=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --input) INPUT="$2"; shift 2 ;;
    --publish) PUBLISH=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v qemu-x86_64 >/dev/null || { echo "missing qemu-x86_64 (qemu-user)" >&2; exit 2; }
mkdir -p "$OUT/cache"
OUT=$(cd "$OUT" && pwd)
name=$(basename "$MODEL" .tflite)
run=$OUT/$name-x64
mkdir -p "$run"
EDGERT=$here/artifacts/publish/linux-x64/edgert
if [[ $PUBLISH == 1 || ! -x $EDGERT ]]; then
  echo "== dotnet publish src/edgert -r linux-x64 -c Release -p:PublishAot=true" >&2
  (cd "$here" && dotnet publish src/edgert -r linux-x64 -c Release -p:PublishAot=true -o artifacts/publish/linux-x64 -nologo -clp:NoSummary) >"$run/publish.log" 2>&1 \
    || { cat "$run/publish.log" >&2; exit 1; }
fi
PLUGIN=$OUT/tbcount.so
if [[ ! -f $PLUGIN || $tools/tbcount.c -nt $PLUGIN ]]; then
  clang -O2 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -o "$PLUGIN" "$tools/tbcount.c"
fi
clang -O2 -o "$OUT/clockprobe" "$tools/clockprobe.c"
input_args=()
[[ -n $INPUT ]] && input_args=(--input "$INPUT")
export EDGERT_KERNELS=avx2 EDGERT_VNNI=0

NATIVE_FRAMES=${NATIVE_FRAMES:-31}
echo "== native: edgert opmarkers --times ($NATIVE_FRAMES frames, 1 thread, EDGERT_KERNELS=avx2 EDGERT_VNNI=0)" >&2
ghz0=$("$OUT/clockprobe")
"$EDGERT" opmarkers "$MODEL" --frames "$NATIVE_FRAMES" --threads 1 "${input_args[@]}" --table "$run/ops-native.tsv" \
  --times "$run/times.tsv" >&2
ghz1=$("$OUT/clockprobe")
ghz=$(python3 -c "print(max($ghz0, $ghz1))")
echo "   effective clock (clockprobe, best of before/after): $ghz GHz" >&2

echo "== qemu-x86_64 -cpu max edgert opmarkers (3 frames)" >&2
qemu-x86_64 -cpu max -plugin "$PLUGIN,out=$run/edgert-x64.trace" "$EDGERT" opmarkers "$MODEL" --frames 3 --threads 1 \
  --table "$run/ops.tsv" "${input_args[@]}" >&2
for metric in steady mixed; do
  python3 "$tools/analyze.py" markers --arch x86_64 --trace "$run/edgert-x64.trace" --table "$run/ops.tsv" --mcpu znver3 \
    --cpu-label "x64 (qemu -cpu max, llvm-mca znver3)" --ghz "$ghz" --cache "$OUT/cache" --binary "$EDGERT" \
    --symbols "$EDGERT.dbg" --json "$run/model-$metric.json" --top 5 --metric "$metric" >"$run/model-$metric.md"
done
gzip -f "$run/edgert-x64.trace"
cmp "$run/ops.tsv" "$run/ops-native.tsv" >/dev/null || { echo "the native and the emulated run planned different kernels:" >&2; diff "$run/ops.tsv" "$run/ops-native.tsv" >&2; exit 1; }
for metric in steady mixed; do
  echo "### block cycles: $metric"
  python3 "$tools/analyze.py" x64compare --model-json "$run/model-$metric.json" --times "$run/times.tsv" --table "$run/ops.tsv" \
    --model-name "$MODEL" --frames-note "$((NATIVE_FRAMES - 1)) timed frames after a warm-up frame, load average $(cut -d' ' -f1 /proc/loadavg)" \
    --json "$run/check-$metric.json"
done
