#!/usr/bin/env bash
# Provides a real kube-apiserver (v1.20.2) and etcd for the integration tests, the way controller-runtime's envtest
# does, from Debian's packages only:
#   - etcd from the `etcd-server` package;
#   - kube-apiserver compiled from Debian's `kubernetes` source package (deb-src entry derived from this machine's own
#     Debian entry), with the vendored reflect2 replaced by Debian's 1.0.2 (1.0.1 crashes under Go >= 1.18) and the
#     OpenAPI definitions generated, built in GOPATH mode.
# The binaries are cached in ${XDG_CACHE_HOME:-~/.cache}/wukong-iac/envtest/1.20.2-r<rev> and built once (~4 minutes).
# If KUBEBUILDER_ASSETS names a folder with both binaries, that folder is used and nothing is built.
#
# Prints the assets folder as the last line of stdout. Exit codes: 0 ready; 3 cannot be had on this machine (not Linux,
# no apt-get) — a failure under CI=true; anything else: the build failed.
set -euo pipefail

K8S_VERSION=1.20.2
# Bumped whenever the build changes, so cached binaries from an older recipe are rebuilt.
BUILD_REV=2
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/wukong-iac/envtest"
ASSETS="$CACHE_ROOT/$K8S_VERSION-r$BUILD_REV"
STEPS=7
step() { echo "[test-apiserver] step $1/$STEPS (at ${SECONDS} s): $2" >&2; }
say() { echo "[test-apiserver] $*" >&2; }

have_assets() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if have_assets "$KUBEBUILDER_ASSETS"; then
    say "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  say "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver or etcd; falling back to the Debian build"
fi

if have_assets "$ASSETS" && "$ASSETS/kube-apiserver" --version 2>/dev/null | grep -q "v$K8S_VERSION"; then
  say "cached in $ASSETS"
  echo "$ASSETS"
  exit 0
fi

unavailable() {
  echo "[test-apiserver] UNAVAILABLE: $1. The integration suites need a kube-apiserver and etcd: run on Debian/Ubuntu with apt-get (they are built from Debian's packages), or set KUBEBUILDER_ASSETS to a folder holding both binaries (e.g. from controller-runtime's setup-envtest)." >&2
  exit 3
}
[ "$(uname -s)" = Linux ] || unavailable "this is not Linux"
command -v apt-get >/dev/null || unavailable "apt-get is not available"

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || unavailable "installing Debian packages needs root or sudo"
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

step 1 "apt-get install golang-go etcd-server golang-github-modern-go-reflect2-dev"
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends golang-go etcd-server golang-github-modern-go-reflect2-dev \
  dpkg-dev ca-certificates >&2

step 2 "add a deb-src entry derived from this machine's Debian entry"
SRC_LIST=/etc/apt/sources.list.d/wukong-deb-src.sources
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  # deb822: same URIs, suites, components and keyring; only the type changes.
  awk 'BEGIN{RS=""; ORS="\n\n"} /(^|\n)Types:[^\n]*deb/ { gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' \
    /etc/apt/sources.list.d/debian.sources | $SUDO tee "$SRC_LIST" >/dev/null
elif [ -f /etc/apt/sources.list ]; then
  grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/wukong-deb-src.list >/dev/null
else
  unavailable "no Debian apt source to derive a deb-src entry from"
fi
$SUDO apt-get update -qq >&2

step 3 "apt-get source kubernetes (34 MB, with the full vendor tree)"
WORK="$CACHE_ROOT/build"
# A build interrupted earlier may leave read-only files behind.
chmod -R u+w "$WORK" 2>/dev/null || true
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
apt-get source --download-only kubernetes >&2
tar xzf kubernetes_*.orig.tar.gz
SRC="$(find "$WORK" -maxdepth 1 -type d -name "kubernetes-$K8S_VERSION*" | head -n 1)"
[ -d "$SRC" ] || { say "kubernetes-$K8S_VERSION not found in the source package"; exit 1; }

step 4 "replace the vendored reflect2 with Debian's 1.0.2"
rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$SRC/vendor/github.com/modern-go/reflect2"

step 5 "set up a GOPATH build"
# Debian's own Go (1.19) builds this tree; a newer `go` first on PATH (e.g. /usr/local/go) does not.
GO119=$(ls -d /usr/lib/go-1.19/bin 2>/dev/null || true)
[ -n "$GO119" ] || { say "Debian's Go 1.19 (/usr/lib/go-1.19/bin, package golang-go) is missing"; exit 1; }
export PATH="$GO119:$PATH"
export GOPATH="$WORK/gopath" GO111MODULE=off CGO_ENABLED=0 GOFLAGS="" GOCACHE="$WORK/gocache"
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$SRC" "$GOPATH/src/k8s.io/kubernetes"
cd "$GOPATH/src/k8s.io/kubernetes"

step 6 "generate the OpenAPI definitions (openapi-gen)"
go build -o "$WORK/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
# Every package with a +k8s:openapi-gen= tag, as upstream's Makefile.generated_files does for its KUBE target.
PKGS=$(
  { grep -rl --include='*.go' '+k8s:openapi-gen=' pkg cmd plugin || true
    find -L vendor/k8s.io \( -path vendor/k8s.io/code-generator -o -path vendor/k8s.io/sample-apiserver \) -prune -o -name '*.go' -print0 \
      | xargs -0 grep -l '+k8s:openapi-gen=' || true; } \
  | xargs -n1 dirname | sort -u | sed 's#^#k8s.io/kubernetes/#' | paste -sd, -)
say "openapi-gen over $(echo "$PKGS" | tr ',' '\n' | wc -l) packages"
"$WORK/openapi-gen" -i "$PKGS" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
  -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$WORK/openapi-report.txt" >&2

step 7 "go build kube-apiserver (about 3.5 minutes on 2 cores)"
mkdir -p "$ASSETS.tmp"
# The version packages upstream's hack/lib/version.sh stamps (component-base for --version, client-go for /version),
# vendored in GOPATH mode.
LDFLAGS=""
for pkg in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  LDFLAGS="$LDFLAGS -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20 -X $pkg.gitTreeState=archive"
done
go build -ldflags "$LDFLAGS" \
  -o "$ASSETS.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
cp /usr/bin/etcd "$ASSETS.tmp/etcd"
rm -rf "$ASSETS"
mv "$ASSETS.tmp" "$ASSETS"
rm -rf "$WORK"
# Binaries of older build recipes are never used again.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$ASSETS")" -exec rm -rf {} +
say "built $("$ASSETS/kube-apiserver" --version) into $ASSETS in ${SECONDS} s"
echo "$ASSETS"
