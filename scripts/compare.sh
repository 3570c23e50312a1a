#!/usr/bin/env bash
# Float vs PTQ vs QAT on the 200 VOC val images: builds the PTQ models (calibrated on the demo + coral_test_data
# photos, never on evaluation images), then size, arena, x64 latency, Pi est., mIoU and pixel agreement per model.
# Writes OUT/compare.md, OUT/compare.json, OUT/figure.png and the PTQ .tflite files.
# Usage: scripts/compare.sh [OUT_DIR] [extra edgert-tools compare options, e.g. --limit 20]
# Slow until the fast float convs land: the float 257 and TF Hub dynamic-range 513 models run all 200 images in float.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-/tmp/compare}"
shift || true
SHARED="${EDGERT_SHARED:-/work/shared}"
if [ -z "${EDGERT:-}" ]; then
  dotnet build "$ROOT/src/edgert-tools/edgert-tools.csproj" -c Release -v q -nologo >/dev/null
  EDGERT="$ROOT/src/edgert-tools/bin/Release/net10.0/edgert-tools"
fi
"$EDGERT" compare --dataset "$SHARED/data/voc2012_val" --list "$SHARED/data/voc2012_val/val_first200.txt" \
  --models "$SHARED/models" --out "$OUT" "$@"
