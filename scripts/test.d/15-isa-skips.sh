#!/usr/bin/env bash
# The kernel tests as on a CPU without AVX2 (the runtime's DOTNET_EnableAVX2=0 hides it): every AVX2 and AVX-VNNI
# test must report Skipped with its reason and none may fail; a silent early return would show up as Passed.
# Runs the binaries test.sh has just built (it stops before any suite when the build fails).
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0; failed=0
log=artifacts/test-logs/isa-skips-xunit.log
mkdir -p artifacts/test-logs
DOTNET_EnableAVX2=0 dotnet test tests/EdgeRuntime.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~.Tests.Simd." \
  --logger "console;verbosity=normal" > "$log" 2>&1
rc=$?
tail -6 "$log"
skipped() { grep -F "  Skipped " "$log" | grep -qF ".$1 ["; }
check() { # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "PASS: $what"; else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
check "kernel tests without AVX2: dotnet test exit code 0 (got $rc)" [ "$rc" -eq 0 ]
for t in Avx2LanesEqualTheScalarForm VnniGemmRunsEveryPackingAndRequantizationPathExactly RequantizationOperatorsMatchRequantizeApply \
         Avx2GemmTilesWithAndWithoutVnniAreBitExactWithReference 'GemmIsBitExactWithReference(variant: "avx2")' \
         'FusedKernelIsBitExactWithReference(vnni: False)' Avx2KxKDepthwiseWithAndWithoutVnniIsBitExact VnniOffKeepsThePlainAvx2Kernels; do
  check "without AVX2, $t is Skipped" skipped "$t"
done
check "the skip names the missing feature" grep -q "needs x86 AVX2, which this CPU" "$log"
echo "$passed passed, $failed failed"
