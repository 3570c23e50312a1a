#!/usr/bin/env bash
# NativeAOT publishes of edgert for linux-x64 and linux-arm64 (cross-built here) must report zero warnings.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0; failed=0
for rid in linux-x64 linux-arm64; do
  log="artifacts/test-logs/publish-$rid.log"
  mkdir -p artifacts/test-logs
  rm -rf "artifacts/publish/$rid"   # a failed publish must leave no binary for the qemu and arm-model steps
  if dotnet publish src/EdgeRuntime -r "$rid" -c Release -p:PublishAot=true -o "artifacts/publish/$rid" -nologo -clp:NoSummary > "$log" 2>&1 \
     && ! grep -E -i "warning|error" "$log"; then
    size=$(stat -c %s "artifacts/publish/$rid/edgert")
    echo "PASS: $rid NativeAOT publish, zero warnings; edgert is $((size / 1024)) KiB"
    passed=$((passed + 1))
  else
    tail -30 "$log"
    echo "FAIL: $rid NativeAOT publish"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
