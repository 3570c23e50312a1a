#!/usr/bin/env bash
# Long run of the structure-aware model fuzzer (issue 11, item 6; CI runs 5,000 cases in ModelFuzzTests).
#
#   scripts/fuzz-models.sh [--cases N] [--seed S] [--chunk C] [--start I]     N default 200000, S 1, C 20000
#
# Runs `edgert fuzz-models` ($EDGERT_BIN, e.g. a NativeAOT publish, else the dotnet-hosted Release edgert-tools.dll, built
# first) in chunks of C cases, one process per chunk. Every case builds a small model
# around one of the registered operators, mutates shapes, types, quantization, options and wiring, and must load and
# run, or be refused with ModelFormatException/UnsupportedOperatorException, under a 256 MiB interpreter budget.
# A chunk whose process dies (stack overflow, access violation, abort) is rerun with --trace to name the case.
# Ends with one line: cases, problems, crashed cases, seconds. Exit 0 when there were none, 1 otherwise, 2 when it could not run.
# Reproduce one case: edgert-tools fuzz-models --seed S --start INDEX --cases 1
#
# Environment: EDGERT_BIN (binary or .dll to run; skips the build).
set -uo pipefail
cd "$(dirname "$0")/.."
cases=200000 seed=1 chunk=20000 start=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --chunk) chunk=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    *) echo "usage: $0 [--cases N] [--seed S] [--chunk C] [--start I]" >&2; exit 2 ;;
  esac
done
die() { echo "fuzz-models: $*" >&2; exit 2; }

if [ -n "${EDGERT_BIN:-}" ]; then
  bin=$EDGERT_BIN
else
  bin=src/edgert-tools/bin/Release/net10.0/edgert-tools.dll
  dotnet build src/edgert-tools -c Release -nologo -v q >/dev/null || die "build failed"
fi
run() { case "$bin" in *.dll) dotnet "$bin" "$@" ;; *) "$bin" "$@" ;; esac; }

log=$(mktemp -d)/fuzz-models
problems=0 crashed=0 done_cases=0
t0=$(date +%s)
end=$((start + cases))
for ((i = start; i < end; i += chunk)); do
  n=$(( end - i < chunk ? end - i : chunk ))
  run fuzz-models --seed "$seed" --start "$i" --cases "$n" > "$log.out" 2>&1
  rc=$?
  grep '^PROBLEM' "$log.out"
  p=$(grep -c '^PROBLEM' "$log.out")
  problems=$((problems + p))
  if [ $rc -gt 1 ]; then
    # The process died: rerun the chunk with a trace to find the case that kills it.
    run fuzz-models --seed "$seed" --start "$i" --cases "$n" --trace > "$log.trace" 2>&1
    last=$(grep '^case ' "$log.trace" | tail -1)
    echo "CRASH (exit $rc) seed $seed at $last; reproduce: edgert-tools fuzz-models --seed $seed --start ${last#case } --cases 1"
    crashed=$((crashed + 1))
  else
    tail -1 "$log.out"
  fi
  done_cases=$((done_cases + n))
done
echo "fuzz-models seed $seed: $done_cases cases, $problems problems, $crashed crashed chunks, $(( $(date +%s) - t0 )) s"
[ $problems -eq 0 ] && [ $crashed -eq 0 ]
