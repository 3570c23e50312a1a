#!/usr/bin/env bash
# Cross-publishes edgert for linux-arm64 (NativeAOT) on this x64 machine and runs the kernel conformance
# self-test under qemu-user as a Pi 4 (Cortex-A72: AdvSimd, no dot product) and a Pi 5 (Cortex-A76: + SDOT).
# Each run must pick the expected variant (a silent fallback fails) and be bit-exact with Reference: the random kernel
# suite (convolutions, then ADD/MUL, pooling, resize, ARG_MAX, fused resize+argmax, QUANTIZE with --cases/4; each ARM-only
# path must report that it ran), plus the whole Coral dm05 and cityscapes models (real weights; cityscapes has 5x5 depthwise) run with Reference and with the active variant (1, 2 and 4
# threads) on a deterministic input, all output bytes compared, every conv/depthwise required to run an active-variant kernel.
# The reference data folder is ../shared (the first ancestor folder with shared/models), or $EDGERT_SHARED.
# Usage: scripts/qemu-conformance.sh [--cases N] [--seed N] [--no-publish] [--no-model]
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=200
SEED=20240
PUBLISH=1
MODEL=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cases) CASES="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --no-publish) PUBLISH=0; shift ;;
    --no-model) MODEL=0; shift ;;
    *) echo "usage: $0 [--cases N] [--seed N] [--no-publish] [--no-model]" >&2; exit 2 ;;
  esac
done

OUT=artifacts/publish/linux-arm64
SYSROOT=/usr/aarch64-linux-gnu

# The cross toolchain: clang drives the link with --target=aarch64-linux-gnu (set by the NativeAOT targets),
# binutils-aarch64-linux-gnu provides the linker, the -cross packages the arm64 libc/libgcc, qemu-user the emulator.
need=()
command -v clang >/dev/null || need+=(clang lld)
command -v aarch64-linux-gnu-ld >/dev/null || need+=(binutils-aarch64-linux-gnu)
[[ -e $SYSROOT/lib/libc.so.6 ]] || need+=(libc6-dev-arm64-cross)
compgen -G "/usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a" >/dev/null || need+=(libgcc-12-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [[ ${#need[@]} -gt 0 ]]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

if [[ $PUBLISH == 1 ]]; then
  echo "== dotnet publish src/edgert -r linux-arm64 -c Release -p:PublishAot=true"
  log=$(mktemp)
  dotnet publish src/edgert -r linux-arm64 -c Release -p:PublishAot=true -o "$OUT" -nologo -clp:NoSummary >"$log" 2>&1 || { cat "$log"; exit 1; }
  if grep -E -i "warning|error" "$log"; then echo "publish reported warnings or errors" >&2; exit 1; fi
  rm -f "$log"
fi

model_args=()
if [[ $MODEL == 1 ]]; then
  SHARED=${EDGERT_SHARED:-}
  if [[ -z $SHARED ]]; then
    d=$PWD
    while [[ $d != / ]]; do
      d=$(dirname "$d")
      if [[ -d $d/shared/models ]]; then SHARED=$d/shared; break; fi
    done
  fi
  DM05=${SHARED:-../shared}/models/coral/deeplabv3_mnv2_dm05_pascal_quant.tflite
  # Cityscapes: its four 5x5 depthwise layers run the KxK tap loop (dwkxk-advsimd), the others the fused 3x3 kernels.
  CITY=${SHARED:-../shared}/models/coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite
  for m in "$DM05" "$CITY"; do
    [[ -f $m ]] || { echo "model not found: $m (set EDGERT_SHARED, or pass --no-model)" >&2; exit 2; }
  done
  model_args=(--model "$DM05,$CITY" --threads 1,2,4)
fi

qemu-aarch64 --version | head -1
status=0
for pair in cortex-a72:advsimd cortex-a76:advsimd-dot; do
  cpu=${pair%%:*}; expect=${pair##*:}
  echo "== qemu-aarch64 -cpu $cpu (Raspberry Pi $([[ $cpu == cortex-a72 ]] && echo 4 || echo 5)) --expect $expect"
  if qemu-aarch64 -L "$SYSROOT" -cpu "$cpu" "$OUT/edgert" selftest kernels --expect "$expect" --cases "$CASES" --seed "$SEED" "${model_args[@]}"; then
    echo "-- $cpu: PASS"
  else
    echo "-- $cpu: FAIL"; status=1
  fi
done
exit $status
