#!/usr/bin/env bash
# Fleet simulation: 20 in-process edgert daemons (own state folder, synthetic camera, interpreter running tiny models)
# on one local mosquitto and a local HTTP server. A staged rollout canary -> wave1 -> wave2 of a good release, then a
# bad release that the canaries refuse (rollout halts). Prints time to roll out and frames lost (must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-Release}"
dotnet build EdgeRuntime.sln -c "$config" -nologo -v q > /dev/null
dotnet test tests/EdgeRuntime.Tests -c "$config" --no-build -nologo \
  --filter "FullyQualifiedName~Ota.FleetSimulationTests" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "^ *(stage |device |dev[0-9]|FLEET-SIM|Passed|Failed|Total)" || true
