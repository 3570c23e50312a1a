#!/usr/bin/env bash
# ARM cycle model without a board (docs/performance.md, "ARM cycle model").
# Runs the linux-arm64 NativeAOT edgert under qemu-aarch64 -cpu cortex-a72|cortex-a76 with a TCG plugin
# (tools/arm-model/tbcount.c, built here with clang) that counts every translation block's executions between the
# per-operator marker syscalls of `edgert opmarkers`; tools/arm-model/analyze.py estimates each block's cycles with
# llvm-mca and prints G instructions, G cycles, IPC, ms at the board's clock, per operator, beside the MAC floor and
# the plan's memory traffic. The estimate assumes every load hits L1: it is a lower bound.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/arm-model.sh MODEL [options]
  --cpu a72|a76|both   CPU(s) to model (default both): a72 = Raspberry Pi 4, 1.8 GHz; a76 = Pi 5, 2.4 GHz
  --threads N          interpreter threads (default 1). Above 1: exact (atomic) counts, waiting left out, and the frame
                       on N equal cores modeled as sum over operators of work x the largest planned share per thread;
                       printed as a ratio to the 1-thread run when that run's output is in the same --out folder
  --frames N           frames run by edgert opmarkers (default 3; frame 0 is warm-up and skipped)
  --input FILE         input image or raw tensor (default ../shared/golden/raw/<model>/2007_000033.input.bin if
                       present, else edgert's synthetic input)
  --edgert PATH        the linux-arm64 edgert to model (default artifacts/publish/linux-arm64/edgert of this repo;
                       published when missing). Its .dbg beside it gives function names.
  --publish            (re)publish linux-arm64 NativeAOT before modelling
  --peer               also model TFLite 2.14 benchmark_model (../shared/peers/tflite-2.14/linux-arm64, XNNPACK,
                       same threads) per frame by differencing --num_runs=1 and --num_runs=3
  --peer-xnnpack B     true|false for the peer (default true)
  --command 'CMD'      also model any arm64 command per frame: CMD must contain {N} (frames); it runs with N=1 and
                       N=3 and the difference / 2 is one frame (e.g. --command '/path/prog --runs={N}')
  --x64-check          check the method on x64: the linux-x64 NativeAOT edgert under qemu-x86_64 -cpu max with the
                       llvm-mca znver3 model vs `edgert bench` measured natively (1 thread), error in percent
  --out DIR            output folder (default artifacts/arm-model in the current directory); block cycles are cached
                       in DIR/cache so repeated runs are fast
  -h, --help           this text
Needs qemu-user (7.2, plugins), clang, llvm-14 (llvm-mc-14, llvm-mca-14, llvm-nm-14), python3.
Environment: ARM_MODEL_MCA (llvm-mca binary, default llvm-mca-14), ARM_MODEL_A72_MCPU / ARM_MODEL_A76_MCPU (its -mcpu,
default cortex-a72 / cortex-a76; LLVM 14 and 16 give both the Cortex-A57 scheduling model, see docs/performance.md),
e.g. ARM_MODEL_MCA=llvm-mca-16 ARM_MODEL_A76_MCPU=neoverse-n2 as a sensitivity check with a wider core's model.
EOF
}

here=$(cd "$(dirname "$0")/.." && pwd)
tools=$here/tools/arm-model
MODEL=""
CPUS=both
THREADS=1
FRAMES=3
INPUT=""
EDGERT=""
PUBLISH=0
PEER=0
PEER_XNN=true
COMMAND=""
X64=0
OUT=artifacts/arm-model
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --cpu) CPUS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --frames) FRAMES="$2"; shift 2 ;;
    --input) INPUT="$2"; shift 2 ;;
    --edgert) EDGERT="$2"; shift 2 ;;
    --publish) PUBLISH=1; shift ;;
    --peer) PEER=1; shift ;;
    --peer-xnnpack) PEER_XNN="$2"; shift 2 ;;
    --command) COMMAND="$2"; shift 2 ;;
    --x64-check) X64=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    *) if [[ -z $MODEL ]]; then MODEL="$1"; shift; else echo "unexpected argument $1" >&2; exit 2; fi ;;
  esac
done
[[ -n $MODEL ]] || { usage >&2; exit 2; }
[[ -f $MODEL ]] || { echo "model not found: $MODEL" >&2; exit 2; }
MODEL=$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")
case $CPUS in a72) CPUS=(a72) ;; a76) CPUS=(a76) ;; both) CPUS=(a72 a76) ;; *) echo "--cpu a72|a76|both" >&2; exit 2 ;; esac

for tool in qemu-aarch64 clang llvm-mc-14 llvm-mca-14 llvm-nm-14 python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh installs it)" >&2; exit 2; }
done
SYSROOT=/usr/aarch64-linux-gnu

# The reference data folder: $EDGERT_SHARED, else the first ancestor of the repo with shared/models.
SHARED=${EDGERT_SHARED:-}
if [[ -z $SHARED ]]; then
  d=$here
  while [[ $d != / ]]; do d=$(dirname "$d"); [[ -d $d/shared/models ]] && { SHARED=$d/shared; break; }; done
fi

mkdir -p "$OUT/cache"
OUT=$(cd "$OUT" && pwd)
name=$(basename "$MODEL" .tflite)
run=$OUT/$name-t$THREADS
mkdir -p "$run"

# The plugin, rebuilt when its source is newer.
PLUGIN=$OUT/tbcount.so
if [[ ! -f $PLUGIN || $tools/tbcount.c -nt $PLUGIN ]]; then
  clang -O2 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -o "$PLUGIN" "$tools/tbcount.c"
fi

if [[ -z $INPUT && -n $SHARED && -f $SHARED/golden/raw/$name/2007_000033.input.bin ]]; then
  INPUT=$SHARED/golden/raw/$name/2007_000033.input.bin
fi
input_args=()
[[ -n $INPUT ]] && input_args=(--input "$INPUT")

publish() { # rid outdir [extra msbuild args]
  echo "== dotnet publish src/edgert -r $1 -c Release -p:PublishAot=true -o $2" >&2
  local log; log=$(mktemp)
  (cd "$here" && dotnet publish src/edgert -r "$1" -c Release -p:PublishAot=true -o "$2" -nologo -clp:NoSummary "${@:3}") >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}

if [[ -z $EDGERT ]]; then
  EDGERT=$here/artifacts/publish/linux-arm64/edgert
  if [[ $PUBLISH == 1 || ! -x $EDGERT ]]; then publish linux-arm64 "$here/artifacts/publish/linux-arm64"; fi
fi
[[ -x $EDGERT ]] || { echo "not found: $EDGERT" >&2; exit 2; }

cpu_qemu() { [[ $1 == a72 ]] && echo cortex-a72 || echo cortex-a76; }
cpu_mcpu() { [[ $1 == a72 ]] && echo "${ARM_MODEL_A72_MCPU:-cortex-a72}" || echo "${ARM_MODEL_A76_MCPU:-cortex-a76}"; }
MCA=${ARM_MODEL_MCA:-llvm-mca-14}
cpu_ghz() { [[ $1 == a72 ]] && echo 1.8 || echo 2.4; }
cpu_label() { [[ $1 == a72 ]] && echo "Cortex-A72 (Pi 4, 1.8 GHz)" || echo "Cortex-A76 (Pi 5, 2.4 GHz)"; }
# MAC floor: A76 = 2 SDOT/UDOT per cycle x 16 MACs; A72 = one 8-lane widening multiply(-accumulate) per cycle.
cpu_floor() { [[ $1 == a72 ]] && echo 8 || echo 32; }

summary=$run/summary.md
: >"$summary"
echo "# ARM cycle model: $(basename "$MODEL"), $THREADS thread(s), $(date -u +%Y-%m-%dT%H:%MZ)" | tee -a "$summary"
echo "edgert: $EDGERT; input: ${INPUT:-synthetic}" | tee -a "$summary"

for cpu in "${CPUS[@]}"; do
  qcpu=$(cpu_qemu "$cpu")
  trace=$run/edgert-$cpu.trace
  echo "== qemu-aarch64 -cpu $qcpu edgert opmarkers ($FRAMES frames)" >&2
  start=$SECONDS
  # Several guest threads: atomic counts (a callback per block execution; the inline add would lose increments).
  atomic=0; [[ $THREADS -gt 1 ]] && atomic=1
  qemu-aarch64 -L "$SYSROOT" -cpu "$qcpu" -plugin "$PLUGIN,out=$trace,atomic=$atomic" "$EDGERT" opmarkers "$MODEL" \
    --frames "$FRAMES" --threads "$THREADS" --table "$run/ops-$cpu.tsv" "${input_args[@]}" >&2
  echo "   guest run: $((SECONDS - start)) s" >&2
  python3 "$tools/analyze.py" markers --trace "$trace" --table "$run/ops-$cpu.tsv" --mcpu "$(cpu_mcpu "$cpu")" --mca "$MCA" \
    --cpu-label "$(cpu_label "$cpu") edgert" --ghz "$(cpu_ghz "$cpu")" --macs-per-cycle "$(cpu_floor "$cpu")" \
    --cache "$OUT/cache" --binary "$EDGERT" --symbols "${EDGERT%/*}/edgert.dbg" --json "$run/edgert-$cpu.json" \
    --threads "$THREADS" | tee -a "$summary"
  one=$OUT/$name-t1/edgert-$cpu.json
  if [[ $THREADS -gt 1 && -f $one ]]; then
    python3 - "$one" "$run/edgert-$cpu.json" "$THREADS" <<'PY' | tee -a "$summary"
import json, sys
one, many = (json.load(open(p)) for p in sys.argv[1:3])
print(f"modeled frame at {sys.argv[3]} threads / 1 thread ({one['cpu']}): {many['latency_cycles'] / one['cycles']:.3f} "
      f"({many['latency_cycles'] / 1e9:.3f} / {one['cycles'] / 1e9:.3f} G cycles; the 1-thread run from {sys.argv[1]})")
PY
  fi
  gzip -f "$trace"  # kept for re-analysis (analyze.py reads .gz traces)
done

model_command() { # label cpu command-with-{N}
  local label=$1 cpu=$2 cmd=$3 qcpu; qcpu=$(cpu_qemu "$cpu")
  for n in 1 3; do
    echo "== qemu-aarch64 -cpu $qcpu $label (N=$n)" >&2
    # shellcheck disable=SC2086
    qemu-aarch64 -L "$SYSROOT" -cpu "$qcpu" -plugin "$PLUGIN,out=$run/$label-$cpu-$n.trace" ${cmd//\{N\}/$n} >"$run/$label-$cpu-$n.log" 2>&1 \
      || { echo "$label failed (N=$n):"; tail -20 "$run/$label-$cpu-$n.log"; return 1; } >&2
  done
  python3 "$tools/analyze.py" diff --trace-a "$run/$label-$cpu-1.trace" --trace-b "$run/$label-$cpu-3.trace" --n-a 1 --n-b 3 \
    --mcpu "$(cpu_mcpu "$cpu")" --mca "$MCA" --cpu-label "$(cpu_label "$cpu")" --ghz "$(cpu_ghz "$cpu")" --cache "$OUT/cache" --label "$label" \
    --json "$run/$label-$cpu.json" | tee -a "$summary"
  gzip -f "$run/$label-$cpu-1.trace" "$run/$label-$cpu-3.trace"
}

if [[ $PEER == 1 ]]; then
  peer=$SHARED/peers/tflite-2.14/linux-arm64/benchmark_model
  [[ -x $peer ]] || { echo "peer not found: $peer" >&2; exit 2; }
  for cpu in "${CPUS[@]}"; do
    model_command tflite-xnnpack-$PEER_XNN "$cpu" "$peer --graph=$MODEL --num_threads=$THREADS --use_xnnpack=$PEER_XNN \
--warmup_runs=1 --warmup_min_secs=0 --min_secs=0 --max_secs=100000 --num_runs={N}"
  done
fi
if [[ -n $COMMAND ]]; then
  for cpu in "${CPUS[@]}"; do model_command command "$cpu" "$COMMAND"; done
fi

if [[ $X64 == 1 ]]; then
  "$here/scripts/arm-model-x64-check.sh" "$MODEL" --out "$OUT" "${input_args[@]}" | tee -a "$summary"
fi
echo "wrote $summary" >&2
