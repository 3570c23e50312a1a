#!/usr/bin/env bash
# Post-training quantization end to end: quantize the float 257 DeepLab (minmax, kl, percentile) and the TF Hub
# dynamic-range 513 model, then evaluate with the golden protocol (/work/shared/golden/README.md) on VOC val.
#
# Calibration images are NOT evaluation images: the demo photos plus the coral_test_data photos (8 images).
# Usage: scripts/ptq-eval.sh [OUT_DIR]   env: EDGERT (binary), STEP257 / STEP513 (evaluate every Nth of the 200
# images; default 4 and 20 — 2 shared cores make all 200 slow), MAX_IMAGES (calibration images, default 8), SKIP_FLOAT=1 (skip running the float 257 model; its golden TFLite maps are always scored).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-/tmp/ptq-eval}"
SHARED=/work/shared
EDGERT="${EDGERT:-$(ls -d "$ROOT"/src/edgert-tools/bin/*/net10.0 2>/dev/null | head -1)/edgert-tools}"
STEP257="${STEP257:-4}"
STEP513="${STEP513:-20}"
MAX_IMAGES="${MAX_IMAGES:-8}"
VOC="$SHARED/data/voc2012_val"
mkdir -p "$OUT/calib"
for f in "$SHARED"/data/demo/*.jpg "$SHARED"/data/demo/*.bmp "$SHARED"/data/coral_test_data/bird.bmp \
         "$SHARED"/data/coral_test_data/cityscapes_segmentation.bmp "$SHARED"/data/coral_test_data/dog_segmentation.bmp; do
  ln -sf "$f" "$OUT/calib/"
done

F257="$SHARED/models/tflite_float/deeplabv3_257_mv_gpu.tflite"
DR513="$SHARED/models/tfhub/lite-model_deeplabv3-mobilenetv2_1_default_1.tflite"
HUB8="$SHARED/models/tfhub/lite-model_deeplabv3-mobilenetv2-int8_1_default_1.tflite"

q() { "$EDGERT" quantize "$@" --calibration-dir "$OUT/calib" --max-images "$MAX_IMAGES" 2>"$OUT/$(basename "$2" .tflite).log"; }
ev() { "$EDGERT" quantize eval "$@" 2>/dev/null; }

for m in minmax kl percentile; do q "$F257" "$OUT/f257_$m.tflite" --calibration "$m"; done
q "$DR513" "$OUT/hub513_ptq_minmax.tflite" --calibration minmax

{
  echo "== 257 float model (golden TFLite mIoU 61.59 on 200), every ${STEP257}th image"
  ev "golden-float257" "$VOC" --step "$STEP257" --predictions "$SHARED/golden/tflite/deeplabv3_257_mv_gpu"
  [ "${SKIP_FLOAT:-0}" = 1 ] || ev "$F257" "$VOC" --step "$STEP257"
  for m in minmax kl percentile; do ev "$OUT/f257_$m.tflite" "$VOC" --step "$STEP257"; done
  echo "== 513 models (TF Hub int8 golden mIoU 66.70 on 200), every ${STEP513}th image"
  ev "$OUT/hub513_ptq_minmax.tflite" "$VOC" --step "$STEP513" --compare "$HUB8"
  ev "golden-hub-int8" "$VOC" --step "$STEP513" --predictions "$SHARED/golden/tflite/lite-model_deeplabv3-mobilenetv2-int8_1_default_1"
  ev "$HUB8" "$VOC" --step "$STEP513"
} | tee "$OUT/results.txt"
