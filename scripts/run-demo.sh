#!/usr/bin/env bash
# The main job (README, first command): builds the NativeAOT daemon and runs it on the sample frames in
# ../shared/data with the embedded MQTT broker, writing overlay and mask PNGs to artifacts/demo/ and
# printing the per-stage latency table when the frames run out.
#   MODEL=path/to/model.tflite  FRAMES=folder  ./scripts/run-demo.sh
#   REBUILD=1 publishes even when artifacts/publish/RID/edgert is newer than every source file.
#   LIVE=1 loops the frames at 5 fps until Ctrl+C, so the local console (printed URL) can be watched; CONSOLE_PORT=8780.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
model="${MODEL:-$shared/models/coral/deeplabv3_mnv2_pascal_quant.tflite}"
frames="${FRAMES:-$shared/data/demo}"
out="artifacts/demo"

# Say what is missing before minutes of work, not after.
[ -f "$model" ] || { echo "run-demo: model $model not found (set MODEL= or EDGERT_SHARED=)" >&2; exit 1; }
[ -d "$frames" ] || { echo "run-demo: frame folder $frames not found (set FRAMES= or EDGERT_SHARED=)" >&2; exit 1; }

./scripts/install-deps.sh
rid=linux-x64
[ "$(uname -m)" = "aarch64" ] && rid=linux-arm64
bin="artifacts/publish/$rid/edgert"

# A binary newer than every source and build file is used as it is (publishing takes minutes on a small machine).
stale() {
  [ -x "$bin" ] || return 0
  [ "${REBUILD:-0}" = 1 ] && return 0
  [ -n "$(find src Directory.Build.props Directory.Packages.props -newer "$bin" \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]
}

if stale; then
  echo "publishing the NativeAOT daemon ($rid); this takes a few minutes, progress below..."
  start=$SECONDS
  # A heartbeat, so a quiet compile or link step does not look like a hang.
  ( while sleep 15; do echo "  ... still publishing ($((SECONDS - start)) s)"; done ) &
  ticker=$!
  trap 'kill $ticker 2>/dev/null || true' EXIT
  # Minimal verbosity prints one line per finished project; errors and warnings come through too.
  dotnet publish src/edgert -c Release -r "$rid" -p:PublishAot=true -o "artifacts/publish/$rid" -nologo -v m -clp:NoSummary \
    | sed -u 's/^/  /'
  kill $ticker 2>/dev/null || true
  echo "published $bin in $((SECONDS - start)) s"
else
  echo "using $bin (newer than every source file; REBUILD=1 to publish again)"
fi

# The new run writes into a fresh folder; the previous demo output stays in $out until this run has produced frames.
mkdir -p artifacts
next="$(mktemp -d artifacts/demo.next.XXXXXX)"
# (kill only a ticker that exists: `kill 0` would signal this whole process group and end the job with 143)
trap 'if [ -n "${ticker:-}" ]; then kill "$ticker" 2>/dev/null || true; fi; rm -rf "$next" "$next.zones.json"' EXIT
status=0
source="folder:$frames"
[ "${LIVE:-0}" = 1 ] && source="folder:$frames?loop=true&fps=5"
# The zones page edits a copy: the demo's own zones file stays as committed.
zones="$next.zones.json"
cp scripts/demo-zones.json "$zones"
port="${CONSOLE_PORT:-8780}"
echo "local console: http://127.0.0.1:$port/  (token: ~/.local/state/edgert/console-token; the daemon logs the URL once it listens)"
[ "${LIVE:-0}" = 1 ] || echo "  (the demo frames run out in a few seconds; LIVE=1 ./scripts/run-demo.sh keeps them looping for the console)"
"$bin" run --source "$source" --model "$model" --output "$next" --device demo --status-interval 5 \
  --zones "$zones" --console --console-port "$port" || status=$?
rm -f "$zones"
if [ "$status" -ne 0 ] || [ -z "$(ls -A "$next")" ]; then
  echo "run-demo: the run failed (exit $status) or wrote nothing; the previous output in $out/ is kept" >&2
  exit "$((status == 0 ? 1 : status))"
fi
rm -rf "$out" && mv "$next" "$out"
echo
echo "overlays and masks: $out/"
ls "$out" | head -20
