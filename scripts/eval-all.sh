#!/usr/bin/env bash
# Full evaluation on the 200 PASCAL VOC val images of ../shared/data/voc2012_val, for every model with a TFLite
# golden run: mIoU, pixel accuracy and pixel agreement with TFLite's own class maps. Too slow for CI on 2 cores
# for the float models; the figures go in the README. Results: artifacts/eval/<model>.json and a table on stdout.
#   LIMIT=20 ./scripts/eval-all.sh      # a quicker subset
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
limit="${LIMIT:-200}"
out=artifacts/eval
mkdir -p "$out"
dotnet build src/edgert-tools -c Release -nologo -v q
edgert() { dotnet src/edgert-tools/bin/Release/net10.0/edgert-tools.dll "$@"; }

models=(
  "coral/deeplabv3_mnv2_pascal_quant"
  "coral/deeplabv3_mnv2_dm05_pascal_quant"
  "tfhub/lite-model_deeplabv3-mobilenetv2-int8_1_default_1"
  "tfhub/lite-model_deeplabv3-mobilenetv2_dm05-int8_1_default_2"
  "tflite_float/deeplabv3_257_mv_gpu"
  "tfhub/lite-model_deeplabv3-mobilenetv2_1_default_1"
  "tfhub/lite-model_deeplabv3-mobilenetv2_dm05_1_default_2"
)
printf '| model | images | mIoU (ours) | mIoU (TFLite) | pixel acc | agreement with TFLite | ms/image |\n|---|---|---|---|---|---|---|\n' > "$out/table.md"
for m in "${models[@]}"; do
  name=$(basename "$m")
  golden="$shared/golden/tflite/$name"
  compare=(); tfl="-"
  if [ -d "$golden" ]; then
    compare=(--compare "$golden")
    tfl=$(python3 -c "import json;print(f\"{100*json.load(open('$golden/summary.json'))['mIoU']:.2f}\")")
  fi
  echo "== $name"
  edgert eval "$shared/models/$m.tflite" "$shared/data/voc2012_val" --list "$shared/data/voc2012_val/val_first200.txt" \
    --limit "$limit" --json "$out/$name.json" "${compare[@]}" | tail -6
  python3 - "$out/$name.json" "$tfl" >> "$out/table.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
agree = "-" if r.get("agreement") is None else f"{100*r['agreement']:.3f}%"
print(f"| {r['model'].split('/')[-1]} | {r['images']} | {100*r['meanIoU']:.2f} | {sys.argv[2]} | {100*r['pixelAccuracy']:.2f} | {agree} | {r['msPerImage']:.0f} |")
PY
done
echo
cat "$out/table.md"
