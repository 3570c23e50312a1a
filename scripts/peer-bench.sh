#!/usr/bin/env bash
# edgert against TensorFlow Lite 2.14 + XNNPACK (../shared/peers/tflite-2.14) on every runnable model in
# ../shared/models and on what `edgert-tools quantize` makes of the float ones: inference only, 1 and 2 threads, the two
# runtimes interleaved in one run (R rounds, median of each runtime's per-round figure), printed as a table with
# ratios (edgert / TFLite: below 1 means edgert is faster).
#   edgert: `edgert bench` inference p50 (NativeAOT linux-x64); TFLite: benchmark_model "Inference (avg)".
#   --baseline BIN: also time another edgert binary (e.g. the build before a change) in the same rounds, so before/after
#   ratios come from one run on this shared, noisy box.
#   --arm: the same models on the ARM cycle model instead (scripts/arm-model.sh --cpu both --peer for each: the
#   linux-arm64 edgert and the arm64 TFLite 2.14 + XNNPACK under qemu -cpu cortex-a72 / cortex-a76, G cycles per
#   frame and their ratio; a few minutes per model; 1 thread: the peer's multi-thread cycles are summed over threads;
#   the peer's figures are reused from artifacts/peer-bench/arm when newer than the model file).
# Usage: scripts/peer-bench.sh [--rounds R] [--runs N] [--threads "1 2"] [--models REGEX] [--no-publish] [--no-quantize] [--baseline BIN] [--arm]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
rounds=3; runs=20; threads=""; filter=.; publish=1; quantize=1; baseline=""; arm=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --models) filter="$2"; shift 2 ;;
    --no-publish) publish=0; shift ;;
    --no-quantize) quantize=0; shift ;;
    --baseline) baseline="$2"; shift 2 ;;
    --arm) arm=1; shift ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $arm == 0 || -z $threads || $threads == 1 ]] || { echo "--arm models 1 thread only" >&2; exit 2; }
[[ -n $threads ]] || { [[ $arm == 1 ]] && threads=1 || threads="1 2"; }
peer="$shared/peers/tflite-2.14/linux-x64/benchmark_model"
[[ -x $peer ]] || { echo "peer not found: $peer" >&2; exit 2; }
bin=artifacts/publish/linux-x64/edgert
tools=artifacts/publish/linux-x64/edgert-tools   # quantize is an offline verb: the device binary has none
ptq_missing=0
for f in deeplabv3_257_mv_gpu lite-model_deeplabv3-mobilenetv2_dm05_1_default_2; do
  [[ -f artifacts/peer-bench/$f.edgert-ptq-int8.tflite ]] || ptq_missing=1
done
if [[ $arm == 0 && ( $publish == 1 || ! -x $bin ) ]] || [[ $quantize == 1 && $ptq_missing == 1 && ( $publish == 1 || ! -x $tools ) ]]; then
  echo "publishing edgert and edgert-tools (NativeAOT linux-x64)..." >&2
  [[ $arm == 1 ]] || dotnet publish src/edgert -r linux-x64 -c Release -p:PublishAot=true -o artifacts/publish/linux-x64 -nologo -v q >/dev/null
  if [[ $quantize == 1 ]]; then
    dotnet publish src/edgert-tools -r linux-x64 -c Release -p:PublishAot=true -o artifacts/publish/linux-x64 -nologo -v q >/dev/null
  fi
fi
work=artifacts/peer-bench; mkdir -p "$work"

models=()
for m in "$shared"/models/coral/*.tflite "$shared"/models/coral_toco/*.tflite "$shared"/models/tfhub/*.tflite \
         "$shared"/models/tflite_float/*.tflite "$shared"/models/mediapipe/*.tflite; do
  models+=("$m")
done
if [[ $quantize == 1 ]]; then
  # edgert's own PTQ of the float models (calibration: the demo photos, never evaluation images).
  mkdir -p "$work/calib"
  for f in "$shared"/data/demo/*.jpg; do ln -sf "$f" "$work/calib/"; done
  for f in "$shared/models/tflite_float/deeplabv3_257_mv_gpu.tflite" "$shared/models/tfhub/lite-model_deeplabv3-mobilenetv2_dm05_1_default_2.tflite"; do
    out="$work/$(basename "$f" .tflite).edgert-ptq-int8.tflite"
    [[ -f $out ]] || "$tools" quantize "$f" "$out" --calibration-dir "$work/calib" --max-images 4 >/dev/null 2>"$work/quantize.log" \
      || { echo "quantize failed for $f: $(tail -1 "$work/quantize.log")" >&2; continue; }
    models+=("$out")
  done
fi

if [[ $arm == 1 ]]; then
  # One arm-model.sh run per model and thread count; its JSON files hold the per-frame cycles of both runtimes.
  out=$work/arm; mkdir -p "$out"
  pub=(); [[ $publish == 1 ]] && pub=(--publish)
  echo "edgert (NativeAOT linux-arm64) vs TFLite 2.14 + XNNPACK (arm64), ARM cycle model (qemu + llvm-mca, docs/performance.md), G cycles per frame"
  printf '%-62s %3s %10s %10s %7s %10s %10s %7s\n' model thr "A72 TFLite" "A72 edgert" ratio "A76 TFLite" "A76 edgert" ratio
  for m in "${models[@]}"; do
    name=${m#"$shared/models/"}; name=${name#"$work/"}
    [[ $name =~ $filter ]] || continue
    for t in $threads; do
      log=$out/$(basename "$m" .tflite)-t$t.log
      # The peer's figures do not change between runs of the same model file: kept from an earlier run when both are there.
      run=$out/$(basename "$m" .tflite)-t$t peer_arg=(--peer)
      [[ -f $run/tflite-xnnpack-true-a72.json && -f $run/tflite-xnnpack-true-a76.json && $run/tflite-xnnpack-true-a72.json -nt $m ]] && peer_arg=()
      scripts/arm-model.sh "$m" --cpu both "${peer_arg[@]}" --threads "$t" --out "$out" "${pub[@]}" >"$log" 2>&1 || echo "  (arm-model failed for $name: $log)" >&2
      pub=()
      python3 - "$out/$(basename "$m" .tflite)-t$t" "$name" "$t" <<'PY'
import json, os, sys
run, name, t = sys.argv[1:4]
def g(f, key):
    p = os.path.join(run, f)
    return json.load(open(p))[key] / 1e9 if os.path.exists(p) else None
key = 'cycles'
cells = []
for cpu in ('a72', 'a76'):
    e, p = g(f'edgert-{cpu}.json', key), g(f'tflite-xnnpack-true-{cpu}.json', 'cycles')
    cells += [f'{p:.3f}' if p else '-', f'{e:.3f}' if e else '-', f'{e / p:.2f}' if e and p else '-']
print(f"{name:<62} {t:>3} {cells[0]:>10} {cells[1]:>10} {cells[2]:>7} {cells[3]:>10} {cells[4]:>10} {cells[5]:>7}")
PY
    done
  done
  exit 0
fi

# Each prints nothing when its runtime cannot run the model (the table then shows "-").
edgert_ms() { edgert_bin_ms "$bin" "$@"; }
edgert_bin_ms() { local b="$1"; shift; { "$b" bench "$1" --threads "$2" --warmup 3 --iterations "$runs" 2>/dev/null || true; } | awk '$1 == "edgert" && NF > 10 { print $11; exit }'; }
peer_ms() {
  { "$peer" --graph="$1" --num_threads="$2" --use_xnnpack=true --warmup_runs=3 --num_runs="$runs" 2>&1 || true; } \
    | sed -n 's/.*Inference (avg): \([0-9.e+]*\).*/\1/p' | tail -1 | awk '{ if ($1 != "") printf "%.3f\n", $1 / 1000 }'
}
median() { tr ' ' '\n' | { grep -E '^[0-9.]+$' || true; } | sort -g | awk '{a[NR]=$1} END { if (NR) print a[int((NR+1)/2)]; else print "-" }'; }

echo "edgert (NativeAOT, $(uname -m)) vs TFLite 2.14 + XNNPACK, inference only, $rounds rounds x $runs runs, $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
ratio_of() { awk -v e="$1" -v p="$2" 'BEGIN { if (e == "-" || p == "-" || p == 0) print "-"; else printf "%.2f", e / p }'; }
if [[ -n $baseline ]]; then
  printf '%-62s %3s %12s %12s %7s %12s %7s\n' model thr "TFLite ms" "edgert ms" ratio "before ms" "before"
else
  printf '%-62s %3s %12s %12s %7s\n' model thr "TFLite ms" "edgert ms" ratio
fi
for m in "${models[@]}"; do
  name=${m#"$shared/models/"}; name=${name#"$work/"}
  [[ $name =~ $filter ]] || continue
  for t in $threads; do
    e=""; p=""; b=""
    for r in $(seq "$rounds"); do
      e+="$(edgert_ms "$m" "$t") "; p+="$(peer_ms "$m" "$t") "
      [[ -z $baseline ]] || b+="$(edgert_bin_ms "$baseline" "$m" "$t") "
    done
    em=$(echo "$e" | median); pm=$(echo "$p" | median)
    if [[ -n $baseline ]]; then
      bm=$(echo "$b" | median)
      printf '%-62s %3s %12s %12s %7s %12s %7s\n' "$name" "$t" "$pm" "$em" "$(ratio_of "$em" "$pm")" "$bm" "$(ratio_of "$bm" "$pm")"
    else
      printf '%-62s %3s %12s %12s %7s\n' "$name" "$t" "$pm" "$em" "$(ratio_of "$em" "$pm")"
    fi
  done
done
