#!/usr/bin/env bash
# The main job (README, first command): builds the NativeAOT daemon and runs it on the sample frames in
# ../shared/data with the embedded MQTT broker, writing overlay and mask PNGs to artifacts/demo/ and
# printing the per-stage latency table when the frames run out.
#   MODEL=path/to/model.tflite  FRAMES=folder  ./scripts/run-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
model="${MODEL:-$shared/models/coral/deeplabv3_mnv2_pascal_quant.tflite}"
frames="${FRAMES:-$shared/data/demo}"
out="artifacts/demo"

./scripts/install-deps.sh
rid=linux-x64
[ "$(uname -m)" = "aarch64" ] && rid=linux-arm64
echo "publishing the NativeAOT daemon ($rid)..."
dotnet publish src/edgert -c Release -r "$rid" -p:PublishAot=true -o "artifacts/publish/$rid" -nologo -v q
rm -rf "$out" && mkdir -p "$out"
"artifacts/publish/$rid/edgert" run --source "folder:$frames" --model "$model" --output "$out" --device demo
echo
echo "overlays and masks: $out/"
ls "$out" | head -20
