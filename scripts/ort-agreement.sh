#!/usr/bin/env bash
# Pixel agreement of edgert's class maps with ONNX Runtime's (the same Coral model exported to ONNX QDQ), on the
# VOC 2012 val images in ../shared/data/voc2012_val. Prints one line per image and the pooled figure.
#
#   scripts/ort-agreement.sh            all 200 images, Coral DeepLabV3 MobileNetV2 dm1.0
#   scripts/ort-agreement.sh --limit 8  8 images spread over the set (what the xunit test runs)
#   MODEL=... DATASET=... EDGERT=path/to/edgert-tools scripts/ort-agreement.sh [--threads N] [--min PERCENT] [--json out.json]
#
# Exit 0 when the pooled agreement reaches --min (default 99.5 %), 3 when below. Uses a published edgert-tools when EDGERT
# points to one (libonnxruntime.so beside it), else `dotnet run` in Release.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${EDGERT_SHARED:-$(cd .. && pwd)/shared}
model=${MODEL:-$shared/models/coral/deeplabv3_mnv2_pascal_quant.tflite}
dataset=${DATASET:-$shared/data/voc2012_val}
if [ -n "${EDGERT:-}" ]; then
  exec "$EDGERT" ort-agreement "$model" "$dataset" "$@"
fi
exec dotnet run --project src/edgert-tools -c Release -- ort-agreement "$model" "$dataset" "$@"
