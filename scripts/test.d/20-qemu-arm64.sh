#!/usr/bin/env bash
# The arm64 AOT binary under qemu-user: kernel conformance as a Pi 4 (cortex-a72, AdvSimd) and a Pi 5
# (cortex-a76, AdvSimd + dot product), each required to run its expected kernel path; then the daemon starts
# with the synthetic source and the embedded broker and processes frames.
set -uo pipefail
cd "$(dirname "$0")/../.."
shared="${EDGERT_SHARED:-$(cd .. && pwd)/shared}"
bin=artifacts/publish/linux-arm64/edgert
passed=0; failed=0
if [ ! -x "$bin" ]; then echo "FAIL: $bin missing (the AOT publish step failed)"; echo "0 passed, 1 failed"; exit 0; fi

out=$(./scripts/qemu-conformance.sh --no-publish 2>&1); echo "$out"
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(echo "$out" | grep -E "^[0-9]+ passed, [0-9]+ failed" | awk '{print $1, $3}')
echo "$out" | grep -q -- "-- cortex-a72: PASS" || { echo "FAIL: cortex-a72 run"; failed=$((failed + 1)); }
echo "$out" | grep -q -- "-- cortex-a76: PASS" || { echo "FAIL: cortex-a76 run"; failed=$((failed + 1)); }

# The CPU temperature path of the arm64 build (UnitsNet is partly blanked in AOT builds: ILLink.Substitutions.xml).
if out=$(timeout 300 qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu cortex-a72 "$bin" selftest thermal 2>&1) && echo "$out" | grep -q "conversion ok"; then
  echo "PASS: arm64 selftest thermal ($(echo "$out" | tr '\n' ';'))"; passed=$((passed + 1))
else
  echo "$out"; echo "FAIL: arm64 selftest thermal"; failed=$((failed + 1))
fi

# The daemon itself on arm64: synthetic frames, embedded broker on a free port, two frames, clean exit.
# .NET's networking loads OpenSSL at start-up; a Pi has libssl3, the cross sysroot does not. Installing
# libssl3:arm64 through multiarch would also install libc6:arm64 beside the cross libc and hang the emulated
# process, so the arm64 libssl3 package is only unpacked into a private folder for qemu.
ssl=artifacts/qemu-libs
if [ ! -e "$ssl/usr/lib/aarch64-linux-gnu/libssl.so.3" ]; then
  mkdir -p "$ssl" && tmp=$(mktemp -d) && chmod 777 "$tmp"
  dpkg --add-architecture arm64 && apt-get update -qq >/dev/null 2>&1
  (cd "$tmp" && apt-get download -qq libssl3:arm64 >/dev/null 2>&1)
  dpkg --remove-architecture arm64 || true
  dpkg-deb -x "$tmp"/libssl3_*_arm64.deb "$ssl" && rm -rf "$tmp"
fi
port=$((20000 + RANDOM % 20000))
log=artifacts/test-logs/qemu-daemon.log
if timeout 600 qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH="$(pwd)/$ssl/usr/lib/aarch64-linux-gnu" -cpu cortex-a76 "$bin" run \
     --source "synthetic:?width=160&height=120&fps=0&frames=2" \
     --model "$shared/models/coral/deeplabv3_mnv2_dm05_pascal_quant.tflite" --Mqtt:EmbeddedBrokerPort="$port" > "$log" 2>&1 \
   && grep -q "2 frames processed" "$log" && grep -q "published 'stopped'" "$log"; then
  echo "PASS: arm64 AOT daemon under qemu (synthetic source, embedded broker)"; passed=$((passed + 1))
else
  tail -20 "$log"; echo "FAIL: arm64 AOT daemon under qemu"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
