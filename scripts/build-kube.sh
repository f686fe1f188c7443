#!/usr/bin/env bash
# Builds kube-apiserver, kubectl, kube-controller-manager, kube-scheduler,
# kubelet and kube-proxy for the cluster-mode tests from the Go module proxy
# at a pinned Kubernetes release, and caches them outside the repo. A no-op when the
# cached binaries are present; otherwise builds only the missing ones.
#
# k8s.io/kubernetes is not meant to be depended on: its go.mod replaces every
# staging module (k8s.io/api, k8s.io/apimachinery, ...) with a local path.
# This script writes a throwaway module in a temp dir that requires it and
# replaces each of those staging modules with its published v0.X.Y twin.
#
# Usage: scripts/build-kube.sh        prints the directory holding the binaries
# Env:   KEDGE_KUBE_VERSION  (default below)  KEDGE_KUBE_DIR  (cache dir)
set -euo pipefail

version="${KEDGE_KUBE_VERSION:-v1.34.4}"
dir="${KEDGE_KUBE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kedge/kube-$version}"
binaries=(kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy)

log() { printf '[build-kube] %s\n' "$*" >&2; }

have_all() {
  local bin
  for bin in "${binaries[@]}"; do [[ -x "$dir/$bin" ]] || return 1; done
}

if have_all; then
  echo "$dir"
  exit 0
fi

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null; then
  log "go is not on PATH: install Go >= 1.24 to build the Kubernetes $version binaries"
  exit 1
fi

mkdir -p "$(dirname "$dir")"
# One build at a time per version; a second caller waits, then finds the binaries.
exec 9>"$dir.lock"
flock 9
if have_all; then
  echo "$dir"
  exit 0
fi

export GOFLAGS=-mod=mod GOMAXPROCS="${GOMAXPROCS:-2}" CGO_ENABLED=0 GOWORK=off
staging="v0.${version#v1.}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

log "resolving k8s.io/kubernetes@$version (staging modules at $staging)"
go mod init kedge.invalid/kube-build >/dev/null 2>&1
upstream_mod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
if [[ ! -f "$upstream_mod" ]]; then
  log "could not download the go.mod of k8s.io/kubernetes@$version"
  exit 1
fi
{
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  sed -n "s#^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/src/.*#\t\1 => \1 $staging#p" "$upstream_mod"
  echo ")"
} >>go.mod

# Stamp the release into `kubectl version` / the apiserver's /version.
minor="${version#v1.}"
minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

missing=()
for bin in "${binaries[@]}"; do [[ -x "$dir/$bin" ]] || missing+=("$bin"); done
mkdir -p "$dir"
started=$SECONDS
for bin in "${missing[@]}"; do
  log "building $bin $version (GOMAXPROCS=$GOMAXPROCS; this takes a while)"
  # Build beside the cache, then rename: a killed build never leaves a
  # truncated binary that have_all would take for a finished one.
  go build -trimpath -ldflags "-s -w$stamp" -o "$dir/$bin.partial" "k8s.io/kubernetes/cmd/$bin"
  mv "$dir/$bin.partial" "$dir/$bin"
done
log "built ${missing[*]} $version in $((SECONDS - started))s into $dir"
echo "$dir"
