#!/usr/bin/env bash
# Thread scaling of the NativeAOT edgert on this box, idle and beside a busy neighbour: `edgert bench` with 1 and 2
# threads (interleaved, R rounds), then the same while one CPU-bound process runs at nice 19 (what a camera encoder or
# a compile does to a board). Prints inference and end-to-end p50 and the 1-thread / 2-thread speed-up for both.
# Usage: scripts/thread-bench.sh [MODEL] [--rounds R] [--iterations N] [--threads "1 2"] [--no-publish]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
model="$shared/models/coral/deeplabv3_mnv2_pascal_quant.tflite"
rounds=3; iterations=30; threads="1 2"; publish=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --iterations) iterations="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --no-publish) publish=0; shift ;;
    -h|--help) sed -n 2,5p "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) model="$1"; shift ;;
  esac
done
[[ -f $model ]] || { echo "model not found: $model" >&2; exit 2; }
bin=artifacts/publish/linux-x64/edgert
if [[ $publish == 1 || ! -x $bin ]]; then
  dotnet publish src/edgert -r linux-x64 -c Release -p:PublishAot=true -o artifacts/publish/linux-x64 -nologo -v q >/dev/null
fi

# p50s of one bench run: "inference end-to-end"
measure() {
  "$bin" bench "$model" --threads "$1" --warmup 5 --iterations "$iterations" | awk '$1 == "edgert" && NF > 10 { print $11, $3 }'
}

run_set() {
  local label="$1"
  declare -A infer e2e
  for t in $threads; do infer[$t]=""; e2e[$t]=""; done
  for r in $(seq "$rounds"); do
    for t in $threads; do
      read -r i e < <(measure "$t")
      infer[$t]+="$i "; e2e[$t]+="$e "
    done
  done
  for t in $threads; do
    mi=$(echo "${infer[$t]}" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    me=$(echo "${e2e[$t]}" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%-22s threads %-2s inference p50 %7.2f ms   end to end p50 %7.2f ms   (runs: %s)\n' "$label" "$t" "$mi" "$me" "${infer[$t]}"
    eval "med_${label//[^a-z]/}_$t=$mi"
  done
}

echo "model $model, $(nproc) cpus, $rounds rounds of $iterations timed runs, median of the rounds' p50s"
run_set idle
nice -n 19 bash -c 'while :; do :; done' &
hog=$!
trap 'kill $hog 2>/dev/null || true' EXIT
sleep 1
run_set busy
kill $hog 2>/dev/null || true
set -- $threads
if [[ $# -ge 2 ]]; then
  a=$1; b=$2
  ia=$(eval echo "\$med_idle_$a"); ib=$(eval echo "\$med_idle_$b"); ba=$(eval echo "\$med_busy_$a"); bb=$(eval echo "\$med_busy_$b")
  awk -v ia="$ia" -v ib="$ib" -v ba="$ba" -v bb="$bb" -v a="$a" -v b="$b" 'BEGIN {
    printf "speed-up %s -> %s threads (inference p50): idle %.2fx, beside a nice-19 CPU hog %.2fx\n", a, b, ia / ib, ba / bb }'
fi
