#!/bin/sh
# The edgecore image's entrypoint. As root (the compose file's edges): starts
# containerd from /etc/kedge/containerd/config.toml, the CRI runtime
# edgecore pulls images into (ImagePrePullJob), waits for its socket, then
# runs the launcher as uid 1000 (the image's user), which reaches the socket
# through its group (gid 1000, containerd's grpc.gid). As any other user: the
# launcher only (no CRI runtime).
set -eu
ROOT=/usr/local/lib/kedge
if [ "$(id -u)" = 0 ] && command -v containerd >/dev/null; then
  mkdir -p /run/containerd
  containerd --config /etc/kedge/containerd/config.toml >/var/log/containerd.log 2>&1 &
  i=0
  until [ -S /run/containerd/containerd.sock ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then echo "edge-entrypoint: containerd did not start in 10 s:" >&2; cat /var/log/containerd.log >&2; exit 1; fi
    sleep 0.1
  done
fi
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=1000 --regid=1000 --clear-groups -- node "$ROOT/launcher/launcher.mjs" "$@"
fi
exec node "$ROOT/launcher/launcher.mjs" "$@"
