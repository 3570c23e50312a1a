#!/usr/bin/env bash
# systemd-analyze verify of the Raspberry Pi unit (fails on any stderr), and proof that the check is strict.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0; failed=0
if deploy/raspberrypi/verify-unit.sh; then echo "PASS: edgert.service verifies"; passed=$((passed + 1)); else echo "FAIL: edgert.service"; failed=$((failed + 1)); fi
if deploy/raspberrypi/verify-unit.sh --self-test; then passed=$((passed + 1)); else echo "FAIL: verify-unit self-test"; failed=$((failed + 1)); fi
bash -n deploy/raspberrypi/install.sh && { echo "PASS: install.sh parses"; passed=$((passed + 1)); } || { echo "FAIL: install.sh syntax"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
