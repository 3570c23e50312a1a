#!/usr/bin/env bash
# The test command (README, second command). Installs what the tests need, builds with warnings as
# errors, runs every suite, and ends with one line "N passed, N failed" summing them all (the line
# before it counts the skipped tests).
# A failed build stops here, before any test runs: every later step would otherwise run binaries left
# by an earlier build. A suite whose process fails counts as a failure even if its own summary says
# "0 failed" (a crashed test host can print a summary of the tests it finished).
# scripts/test.d/05-test-script.sh checks this logic with a fake dotnet.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
logs="$root/artifacts/test-logs"
rm -rf "$logs" "$root/artifacts/publish"   # nothing from an earlier run may be read or executed by this one
mkdir -p "$logs"
passed=0
failed=0
skipped_xunit=0
skipped_scripts=0

step() { echo; echo "=== $*"; }
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
summary() {
  echo
  echo "skipped: $((skipped_xunit + skipped_scripts)) (xunit $skipped_xunit, scripts $skipped_scripts)"
  echo "$passed passed, $failed failed"
}

step "dependencies"
./scripts/install-deps.sh || bad "install-deps"

step "build (Release, warnings are errors)"
if dotnet build EdgeRuntime.sln -c Release -nologo -v q > "$logs/build.log" 2>&1; then
  ok "build"
else
  tail -40 "$logs/build.log"; bad "build (no test runs on binaries of an earlier build)"
  summary
  exit 1
fi

step "unit and integration tests (xunit)"
dotnet test tests/EdgeRuntime.Tests -c Release --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee "$logs/xunit.log"
xunit_rc=${PIPESTATUS[0]}
# VSTest's closing line: "Passed!  - Failed: 0, Passed: 812, Skipped: 4, Total: 816, Duration: ..."
line=$(grep -E "^(Passed|Failed)!" "$logs/xunit.log" | tail -1)
if [ -n "$line" ]; then
  p=$(echo "$line" | sed -E 's/.*Passed: *([0-9]+).*/\1/')
  f=$(echo "$line" | sed -E 's/.*Failed: *([0-9]+).*/\1/')
  s=$(echo "$line" | sed -nE 's/.*Skipped: *([0-9]+).*/\1/p')
  passed=$((passed + p)); failed=$((failed + f)); skipped_xunit=$((skipped_xunit + ${s:-0}))
  echo "xunit: $p passed, $f failed, ${s:-0} skipped (dotnet test exit code $xunit_rc)"
  if [ "$xunit_rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "dotnet test exited $xunit_rc although its summary reports no failed test"; fi
else
  bad "xunit produced no summary (dotnet test exit code $xunit_rc)"
fi

for extra in scripts/test.d/*.sh; do
  [ -f "$extra" ] || continue
  step "$extra"
  log="$logs/$(basename "$extra" .sh).log"
  bash "$extra" > "$log" 2>&1
  rc=$?
  cat "$log"
  out=$(grep -E "^[0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
  if [ -n "$out" ]; then
    f=$(echo "$out" | cut -d' ' -f3 | tr -d ,)
    s=$(echo "$out" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
    passed=$((passed + $(echo "$out" | cut -d' ' -f1))); failed=$((failed + f)); skipped_scripts=$((skipped_scripts + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "$extra exited $rc although its summary reports no failure"; fi
  else
    bad "$extra printed no summary (exit code $rc)"
  fi
done

summary
[ "$failed" -eq 0 ]
