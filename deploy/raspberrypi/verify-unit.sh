#!/usr/bin/env bash
# Runs `systemd-analyze verify` on edgert.service and fails on ANY output to stderr (or a non-zero exit).
#
# The unit's ExecStart names /opt/edgert/edgert, which does not exist on a build machine, and
# systemd-analyze verify rightly complains about a missing executable. So the unit is copied into a
# temp dir with ONLY that path replaced by an existing executable: by default a stub script in the temp
# dir, or the real published binary when given (./verify-unit.sh path/to/edgert). Nothing else changes.
#   ./verify-unit.sh --self-test   checks that this script does fail on a unit with an unknown key.
set -euo pipefail

if [ "${1:-}" = "--self-test" ]; then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  t="$(mktemp -d)"; trap 'rm -rf "$t"' EXIT
  cp "$here/verify-unit.sh" "$t/verify-unit.sh"
  sed 's/^ProtectSystem=strict/ProtectSystm=strict/' "$here/edgert.service" > "$t/edgert.service"
  if "$t/verify-unit.sh" >/dev/null 2>&1; then echo "verify-unit self-test: a broken unit PASSED (script is not strict)" >&2; exit 1; fi
  "$here/verify-unit.sh" >/dev/null
  echo "verify-unit self-test: OK (broken unit rejected, real unit accepted)"
  exit 0
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unit="$here/edgert.service"
command -v systemd-analyze >/dev/null || { echo "verify-unit: systemd-analyze not found (apt-get install systemd)" >&2; exit 2; }
[ -f "$unit" ] || { echo "verify-unit: $unit not found" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

exe="${1:-}"
if [ -z "$exe" ]; then
  exe="$tmp/edgert"
  printf '#!/bin/sh\nexit 0\n' > "$exe"
  chmod 0755 "$exe"
fi
exe="$(readlink -f "$exe")"
[ -x "$exe" ] || { echo "verify-unit: $exe is not executable" >&2; exit 2; }

grep -q '^ExecStart=/opt/edgert/edgert ' "$unit" || { echo "verify-unit: ExecStart no longer starts with /opt/edgert/edgert; update this script" >&2; exit 2; }
sed "s#^ExecStart=/opt/edgert/edgert #ExecStart=$exe #" "$unit" > "$tmp/edgert.service"

# Only the substituted line may differ from the real unit.
changed="$(diff "$unit" "$tmp/edgert.service" | grep -c '^[<>]' || true)"
[ "$changed" = "2" ] || { echo "verify-unit: substitution changed $changed lines, expected exactly the ExecStart line" >&2; exit 2; }

status=0
err="$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/edgert.service" 2>&1 >/dev/null)" || status=$?
if [ "$status" -ne 0 ] || [ -n "$err" ]; then
  echo "verify-unit: systemd-analyze verify FAILED (exit $status):" >&2
  printf '%s\n' "$err" >&2
  exit 1
fi
echo "verify-unit: edgert.service OK (systemd-analyze $(systemd-analyze --version | head -1 | awk '{print $2}'), ExecStart checked against $exe)"
