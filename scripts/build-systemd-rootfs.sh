#!/usr/bin/env bash
# Builds the Debian root filesystem the systemd e2e test boots with
# systemd-nspawn (systemd as PID 1, edgecore as a unit), and caches it outside
# the repo, keyed by its inputs: this script's text, the debootstrap version,
# the suite, the mirror and the architecture. A no-op when that rootfs exists.
#
# The rootfs holds no Node.js and no kedge: the test binds them in read-only
# (see e2e/systemd/systemd-node.ts), so a new Node.js or a changed workspace
# never rebuilds it.
#
# Usage: scripts/build-systemd-rootfs.sh      prints the rootfs directory
# Env:   KEDGE_DEBIAN_MIRROR (default http://deb.debian.org/debian)
#        KEDGE_ROOTFS_CACHE  (default ~/.cache/kedge)
set -euo pipefail

suite=bookworm
mirror="${KEDGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
arch="$(dpkg --print-architecture)"
# systemd as init, dbus for systemctl/journalctl's bus, nothing else.
include=systemd,systemd-sysv,dbus
cache="${KEDGE_ROOTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kedge}"

log() { printf '[build-systemd-rootfs] %s\n' "$*" >&2; }

if ! command -v debootstrap >/dev/null; then
  log "debootstrap is not installed (Debian package debootstrap; ensure_apt_packages in scripts/lib.sh)"
  exit 1
fi
debootstrap_version="$(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo unknown)"
key="$(
  { cat "$0"; echo "$debootstrap_version $suite $mirror $arch $include"; } | sha256sum | cut -c1-16
)"
dir="$cache/systemd-rootfs-$suite-$key"
stamp="$dir/.kedge-rootfs-complete"

if [[ -f "$stamp" ]]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
# One build at a time; a second caller waits, then finds the rootfs.
exec 9>"$dir.lock"
flock 9
if [[ -f "$stamp" ]]; then
  echo "$dir"
  exit 0
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
out="$dir.partial"
"${sudo[@]}" rm -rf "$out"
started=$SECONDS
log "debootstrap --variant=minbase --include=$include $suite ($mirror, $arch); a few minutes the first time"
if ! "${sudo[@]}" debootstrap --variant=minbase --arch="$arch" --include="$include" \
  "$suite" "$out" "$mirror" >"$cache/systemd-rootfs-$key.log" 2>&1; then
  log "debootstrap failed; its log: $cache/systemd-rootfs-$key.log"
  tail -n 20 "$cache/systemd-rootfs-$key.log" >&2
  exit 1
fi

# A container boot, not a machine: no consoles to log in on, no clock to set,
# no host network to configure (it shares the host's). An empty machine-id
# makes systemd generate one per boot.
"${sudo[@]}" sh -c "
  set -e
  echo kedge-systemd > '$out/etc/hostname'
  : > '$out/etc/machine-id'
  for unit in getty@tty1.service console-getty.service systemd-timesyncd.service \
              systemd-networkd.service systemd-resolved.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null '$out/etc/systemd/system/'\$unit
  done
  # journald keeps the journal on disk (journalctl -u edgecore after restarts).
  mkdir -p '$out/var/log/journal'
  rm -rf '$out/var/cache/apt/archives/'*.deb '$out/var/lib/apt/lists/'*
"
"${sudo[@]}" touch "$out/.kedge-rootfs-complete"
"${sudo[@]}" rm -rf "$dir"
"${sudo[@]}" mv "$out" "$dir"
log "built $dir in $((SECONDS - started))s ($(du -sh "$dir" | cut -f1))"
echo "$dir"
