#!/usr/bin/env bash
# The test command (README, second command). Installs what the tests need, builds with warnings as
# errors, runs every suite, and ends with one line "N passed, N failed" summing them all.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
logs="$root/artifacts/test-logs"
mkdir -p "$logs"
passed=0
failed=0

step() { echo; echo "=== $*"; }
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

step "dependencies"
./scripts/install-deps.sh || bad "install-deps"

step "build (Release, warnings are errors)"
if dotnet build EdgeRuntime.sln -c Release -nologo -v q > "$logs/build.log" 2>&1; then
  ok "build"
else
  tail -40 "$logs/build.log"; bad "build"
fi

step "unit and integration tests (xunit)"
dotnet test tests/EdgeRuntime.Tests -c Release --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee "$logs/xunit.log"
line=$(grep -E "^(Passed|Failed)!" "$logs/xunit.log" | tail -1)
if [ -n "$line" ]; then
  p=$(echo "$line" | sed -E 's/.*Passed: *([0-9]+).*/\1/')
  f=$(echo "$line" | sed -E 's/.*Failed: *([0-9]+).*/\1/')
  passed=$((passed + p)); failed=$((failed + f))
else
  bad "xunit produced no summary"
fi

for extra in scripts/test.d/*.sh; do
  [ -f "$extra" ] || continue
  step "$extra"
  log="$logs/$(basename "$extra" .sh).log"
  bash "$extra" > "$log" 2>&1
  cat "$log"
  out=$(grep -E "^[0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
  if [ -n "$out" ]; then
    passed=$((passed + $(echo "$out" | cut -d' ' -f1))); failed=$((failed + $(echo "$out" | cut -d' ' -f3)))
  else
    bad "$extra printed no summary"
  fi
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
