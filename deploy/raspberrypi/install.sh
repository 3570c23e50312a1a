#!/usr/bin/env bash
# Installs the edgert daemon on a Raspberry Pi (64-bit Raspberry Pi OS / Debian, systemd).
#   sudo ./install.sh [path/to/edgert] [path/to/appsettings.json]
# Defaults: ./edgert and ./appsettings.json next to this script (appsettings.example.json when there is none).
# Creates the system user edgert (group video), installs /opt/edgert/edgert, /etc/edgert/appsettings.json
# (kept if it already exists), /etc/systemd/system/edgert.service, then enables and (re)starts the service.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="${1:-$here/edgert}"
config="${2:-$here/appsettings.json}"
[ -f "$config" ] || config="$here/appsettings.example.json"

die() { echo "install.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
[ -f "$binary" ] || die "binary $binary not found (publish it first, see README.md)"
[ -f "$config" ] || die "config $config not found"
[ -f "$here/edgert.service" ] || die "edgert.service not found next to this script"
command -v systemctl >/dev/null || die "systemd is required"

arch="$(uname -m)"
if command -v file >/dev/null && [ "$arch" = "aarch64" ] && ! file -b "$binary" | grep -q 'aarch64\|ARM aarch64'; then
  die "$binary is not an ARM64 executable (publish with -r linux-arm64)"
fi

# 1. User and groups: a system account without a shell or home, in group video for /dev/video* and group gpio
#    for /dev/gpiochip* (Raspberry Pi OS's udev rule gives the chips to gpio; the unit names both groups).
getent group video >/dev/null || groupadd --system video
getent group gpio >/dev/null || groupadd --system gpio
if ! id -u edgert >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /var/lib/edgert --shell /usr/sbin/nologin \
          --groups video,gpio --comment "EdgeRuntime daemon" edgert
else
  usermod -a -G video,gpio edgert
fi

# 2. Binary (NativeAOT: one self-contained file) and docs.
install -d -m 0755 /opt/edgert
install -m 0755 "$binary" /opt/edgert/edgert.new
mv -f /opt/edgert/edgert.new /opt/edgert/edgert
[ -f "$here/README.md" ] && install -m 0644 "$here/README.md" /opt/edgert/README.md
if [ -d "$here/models" ]; then
  install -d -m 0755 /opt/edgert/models
  install -m 0644 "$here"/models/* /opt/edgert/models/
fi

# 3. Configuration: readable by the service user only (it may hold MQTT credentials); never overwritten.
install -d -m 0750 -o root -g edgert /etc/edgert
if [ ! -f /etc/edgert/appsettings.json ]; then
  install -m 0640 -o root -g edgert "$config" /etc/edgert/appsettings.json
  echo "install.sh: installed /etc/edgert/appsettings.json from $(basename "$config"): review Daemon:Source, Daemon:ModelPath and Mqtt:*"
else
  echo "install.sh: keeping existing /etc/edgert/appsettings.json"
fi

# 4. State directory (systemd creates it too via StateDirectory=edgert).
install -d -m 0750 -o edgert -g edgert /var/lib/edgert

# 5. Unit.
install -m 0644 "$here/edgert.service" /etc/systemd/system/edgert.service
if command -v systemd-analyze >/dev/null; then systemd-analyze verify /etc/systemd/system/edgert.service; fi
systemctl daemon-reload
systemctl enable edgert.service
systemctl restart edgert.service
sleep 2
systemctl --no-pager --lines=15 status edgert.service || true
echo "install.sh: done. Logs: journalctl -u edgert -f"
