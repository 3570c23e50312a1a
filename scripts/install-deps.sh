#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the main job need (idempotent).
#   libturbojpeg0     JPEG decode (libjpeg-turbo 2.1.5, the decoder TFLite's golden outputs were made with)
#   mosquitto         a real MQTT broker for the daemon integration tests
#   mosquitto-clients mosquitto_sub, the telemetry subscriber of scripts/soak.sh
#   ffmpeg            the video frame source (tested against the real tool)
#   clang lld binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross
#                     NativeAOT cross-build for linux-arm64
#   qemu-user         runs the arm64 binary (cortex-a72 / cortex-a76) for the kernel conformance suite
#   systemd           systemd-analyze verify of the deploy unit
#   chromium          headless browser of the local console test (tests/EdgeRuntime.Tests/WebConsole)
#   llvm-14 python3   the ARM cycle model (scripts/arm-model.sh): llvm-mc-14, llvm-mca-14, llvm-nm-14, the analyzer
set -euo pipefail
packages=(libturbojpeg0 mosquitto mosquitto-clients ffmpeg clang lld binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user systemd zlib1g-dev llvm-14 python3 chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
