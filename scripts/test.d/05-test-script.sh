#!/usr/bin/env bash
# scripts/test.sh itself, run in a scratch copy of the repository layout with a fake `dotnet` first on PATH and a
# fake suite in test.d: a failed build stops before any test runs and exits non-zero; a failed `dotnet test` fails
# the script even when its summary and a later suite say "0 failed"; skipped tests are counted on the line before
# the closing "N passed, N failed"; binaries published by an earlier run are gone before any suite runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=$(pwd)
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/repo/scripts/test.d"
cp "$here/scripts/test.sh" "$tmp/repo/scripts/test.sh"
printf '#!/usr/bin/env bash\nexit 0\n' > "$tmp/repo/scripts/install-deps.sh"
cat > "$tmp/bin/dotnet" <<'EOF'
#!/usr/bin/env bash
echo "dotnet $1" >> "$FAKE_CALLS"
case "$1" in
  build) echo "fake build log"; exit "${FAKE_BUILD_RC:-0}" ;;
  test) printf '%b' "${FAKE_TEST_OUT:-}"; exit "${FAKE_TEST_RC:-0}" ;;
esac
exit 0
EOF
cat > "$tmp/repo/scripts/test.d/50-fake.sh" <<'EOF'
#!/usr/bin/env bash
cd "$(dirname "$0")/../.."
echo "suite" >> "$FAKE_CALLS"
if [ -e artifacts/publish/linux-arm64/edgert ]; then echo "stale binary present"; echo "0 passed, 1 failed"; exit 0; fi
printf '%b' "${FAKE_SUITE_OUT:-1 passed, 0 failed\n}"
exit "${FAKE_SUITE_RC:-0}"
EOF
chmod +x "$tmp/bin/dotnet" "$tmp/repo/scripts/"*.sh "$tmp/repo/scripts/test.d/"*.sh

# run NAME [VAR=VALUE...]: test.sh with the fakes; leaves its output, exit code and the calls it made in $tmp/NAME.*
run() {
  local name=$1; shift
  rm -rf "$tmp/repo/artifacts"; mkdir -p "$tmp/repo/artifacts/publish/linux-arm64"
  echo "old" > "$tmp/repo/artifacts/publish/linux-arm64/edgert"
  : > "$tmp/$name.calls"
  env PATH="$tmp/bin:$PATH" FAKE_CALLS="$tmp/$name.calls" "$@" bash "$tmp/repo/scripts/test.sh" > "$tmp/$name.out" 2>&1
  echo $? > "$tmp/$name.rc"
}
check() { # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
rc() { cat "$tmp/$1.rc"; }
last() { tail -1 "$tmp/$1.out"; }
before_last() { tail -2 "$tmp/$1.out" | head -1; }
lacks() { ! grep -q "$2" "$tmp/$1.out"; }

green='Passed!  - Failed:     0, Passed:     5, Skipped:     2, Total:     7, Duration: 1 s - EdgeRuntime.Tests.dll (net10.0)\n'
red='Failed!  - Failed:     2, Passed:     5, Skipped:     0, Total:     7, Duration: 1 s - EdgeRuntime.Tests.dll (net10.0)\n'

run build-fails FAKE_BUILD_RC=1
check "failed build: exit code non-zero" [ "$(rc build-fails)" -ne 0 ]
check "failed build: no test runs (calls: $(tr '\n' ' ' < "$tmp/build-fails.calls"))" [ "$(cat "$tmp/build-fails.calls")" = "dotnet build" ]
check "failed build: closing line '0 passed, 1 failed' (got '$(last build-fails)')" [ "$(last build-fails)" = "0 passed, 1 failed" ]

run all-green FAKE_TEST_OUT="$green" FAKE_SUITE_OUT='3 passed, 0 failed, 1 skipped\n'
check "green run: exit code 0 (got $(rc all-green))" [ "$(rc all-green)" -eq 0 ]
check "green run: closing line sums build, xunit and suite (got '$(last all-green)')" [ "$(last all-green)" = "9 passed, 0 failed" ]
check "green run: skipped counted on the line before (got '$(before_last all-green)')" [ "$(before_last all-green)" = "skipped: 3 (xunit 2, scripts 1)" ]
check "green run: the stale published binary was removed before the suites ran" lacks all-green "stale binary present"

run test-crashes FAKE_TEST_OUT="$green" FAKE_TEST_RC=1
check "dotnet test exit 1 with a '0 failed' summary and a green later suite: exit non-zero" [ "$(rc test-crashes)" -ne 0 ]
check "dotnet test exit 1: counted as one failure (got '$(last test-crashes)')" [ "$(last test-crashes)" = "7 passed, 1 failed" ]

run tests-fail FAKE_TEST_OUT="$red" FAKE_TEST_RC=1
check "two failed tests: counted once each (got '$(last tests-fail)')" [ "$(last tests-fail)" = "7 passed, 2 failed" ]
check "two failed tests: exit non-zero" [ "$(rc tests-fail)" -ne 0 ]

run test-no-summary FAKE_TEST_OUT='Test host process crashed\n' FAKE_TEST_RC=134
check "dotnet test without a summary: exit non-zero, one failure (got '$(last test-no-summary)')" \
  [ "$(rc test-no-summary)" -ne 0 -a "$(last test-no-summary)" = "2 passed, 1 failed" ]

run suite-exits-1 FAKE_TEST_OUT="$green" FAKE_SUITE_RC=1
check "a suite exiting 1 after '1 passed, 0 failed': exit non-zero (got '$(last suite-exits-1)')" \
  [ "$(rc suite-exits-1)" -ne 0 -a "$(last suite-exits-1)" = "7 passed, 1 failed" ]

for f in "$tmp"/*.out; do
  if [ "$(grep -c . "$f")" -gt 0 ] && ! tail -1 "$f" | grep -qE "^[0-9]+ passed, [0-9]+ failed$"; then bad "$(basename "$f"): closing line"; fi
done
if [ "$failed" -gt 0 ]; then for f in "$tmp"/*.out; do echo "--- $(basename "$f")"; tail -8 "$f"; done; fi
echo "$passed passed, $failed failed"
