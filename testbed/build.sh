#!/usr/bin/env bash
# Builds the test bed from Go modules (never vendored; the go.mod/go.sum files here require them) and prints the folder
# holding its binaries as the last line of stdout, in envtest's layout (kube-apiserver, etcd) plus KubeVirt's:
#   - kube-apiserver, kube-controller-manager (for its service-account, garbage-collector and namespace controllers)
#     and kubectl (the baseline client of bench/fleet-apply.ts) from k8s.io/kubernetes (apiserver/: the staging modules
#     replaced by their published versions, as `go install` cannot build a module with replace directives), its
#     version stamped by ldflags;
#   - etcd from go.etcd.io/etcd/server/v3 (etcd/);
#   - from kubevirt.io/kubevirt (kubevirt/: KubeVirt's own replace block, with kubevirt.io/api and client-go at the
#     same tag): virt-controller itself, kubevirt-crds (prints the CRDs virt-operator's code generates) and
#     kubevirt-webhooks (virt-api's admission handlers for VMs and VMIs, served as URL webhooks);
#   - the reference CNI plugins from github.com/containernetworking/plugins (cni/), and ovs-config-check, which parses a
#     NAD config with github.com/k8snetworkplumbingwg/ovs-cni's own loader (running ovs needs Open vSwitch);
#   - argocd-normalize (gitops/), which applies an Argo CD ignoreDifferences to an object as Argo CD's diff normalizer
#     does, with github.com/itchyny/gojq (Argo CD's own modules do not build from the proxy).
# Cached in ${XDG_CACHE_HOME:-~/.cache}/wukong-iac/testbed/<key>, the key a digest of every file of testbed/ and the Go
# version: built once, rebuilt only when one of them changes. (scripts/test-env.sh takes kube-apiserver and etcd from
# KUBEBUILDER_ASSETS instead when that names a folder holding both.)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=versions.env
source versions.env

say() { echo "[testbed] $*" >&2; }
step() { say "step $1 (at ${SECONDS} s): $2"; }
have_assets() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }
have_kubevirt() { [ -x "$1/kube-controller-manager" ] && [ -x "$1/kubectl" ] && [ -x "$1/virt-controller" ] && [ -x "$1/kubevirt-crds" ] && [ -x "$1/kubevirt-webhooks" ] && [ -x "$1/cni/bridge" ] && [ -x "$1/cni/ovs-config-check" ] && [ -x "$1/argocd-normalize" ]; }

command -v go >/dev/null || { say "no 'go' on PATH: install Go 1.26 or newer (https://go.dev/dl)"; exit 3; }

# The pins must agree with what the modules require.
requires() { { grep -E "^\s*(require\s+)?$1 v" "$2/go.mod" || true; } | sed -E 's/^\s*(require\s+)?\S+\s+(v\S+).*/\2/' | head -n 1; }
for check in "k8s.io/kubernetes apiserver $KUBERNETES_VERSION" "go.etcd.io/etcd/server/v3 etcd $ETCD_VERSION" "kubevirt.io/kubevirt kubevirt $KUBEVIRT_VERSION" \
  "github.com/containernetworking/plugins cni $CNI_PLUGINS_VERSION" "github.com/k8snetworkplumbingwg/ovs-cni cni $OVS_CNI_VERSION" \
  "github.com/itchyny/gojq gitops $GOJQ_VERSION"; do
  read -r module dir want <<<"$check"
  got=$(requires "$module" "$dir")
  [ "$got" = "$want" ] || { say "$dir/go.mod requires $module $got but versions.env pins $want: bring them in step"; exit 1; }
done

# guest/ is the guest images' own build (guest/build.sh, its own cache key): none of the Go test bed's business.
key=$(find . -path ./guest -prune -o -type f -print0 | sort -z | xargs -0 cat | { cat; go version; } | sha256sum | cut -c1-16)
root="${XDG_CACHE_HOME:-$HOME/.cache}/wukong-iac/testbed"
assets="$root/$key"
if have_assets "$assets" && have_kubevirt "$assets"; then
  say "cached in $assets: $("$assets/kube-apiserver" --version), etcd $ETCD_VERSION, KubeVirt $KUBEVIRT_VERSION, CNI plugins $CNI_PLUGINS_VERSION, ovs-cni $OVS_CNI_VERSION"
  echo "$assets"
  exit 0
fi

mkdir -p "$root"
rm -rf "$assets.tmp"
mkdir -p "$assets.tmp"
export CGO_ENABLED=0
say "building into $assets with $(go version)"

step 1/5 "go mod download (the modules the go.mod files require, from the Go module proxy)"
for module in apiserver etcd kubevirt cni gitops; do (cd "$module" && go mod download); done

step 2/5 "go build kube-apiserver, kube-controller-manager and kubectl $KUBERNETES_VERSION (about 6 minutes on 2 cores)"
minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
ldflags="-s -w"
# The version packages upstream's hack/lib/version.sh stamps: component-base for --version, client-go for /version.
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitCommit= -X $pkg.gitTreeState=clean"
done
# -pgo=off: the profile-guided build of cmd/kube-apiserver/default.pgo costs build time a test bed does not need back.
(cd apiserver && go build -trimpath -pgo=off -ldflags "$ldflags" -o "$assets.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver \
  && go build -trimpath -pgo=off -ldflags "$ldflags" -o "$assets.tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager \
  && go build -trimpath -pgo=off -ldflags "$ldflags" -o "$assets.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl)

step 3/5 "go build etcd $ETCD_VERSION"
(cd etcd && go build -trimpath -ldflags "-s -w" -o "$assets.tmp/etcd" go.etcd.io/etcd/server/v3)

step 4/5 "go build KubeVirt $KUBEVIRT_VERSION: virt-controller, kubevirt-crds, kubevirt-webhooks (about 4 minutes)"
kv_ldflags="-s -w"
# What KubeVirt's hack/version.sh stamps, so virt-controller reports the tag it was built from.
for var in gitVersion=$KUBEVIRT_VERSION gitTreeState=clean; do kv_ldflags="$kv_ldflags -X kubevirt.io/client-go/version.$var"; done
(cd kubevirt && go build -trimpath -ldflags "$kv_ldflags" -o "$assets.tmp/virt-controller" kubevirt.io/kubevirt/cmd/virt-controller \
  && go build -trimpath -ldflags "$kv_ldflags" -o "$assets.tmp/kubevirt-crds" ./cmd/kubevirt-crds \
  && go build -trimpath -ldflags "$kv_ldflags" -o "$assets.tmp/kubevirt-webhooks" ./cmd/kubevirt-webhooks)

step 5/5 "go build the CNI plugins $CNI_PLUGINS_VERSION (bridge, macvlan, host-local, static), ovs-cni $OVS_CNI_VERSION's config loader and argocd-normalize (gojq $GOJQ_VERSION)"
mkdir -p "$assets.tmp/cni"
(cd cni && go build -trimpath -ldflags "-s -w" -o "$assets.tmp/cni/" \
  github.com/containernetworking/plugins/plugins/main/bridge github.com/containernetworking/plugins/plugins/main/macvlan \
  github.com/containernetworking/plugins/plugins/ipam/host-local github.com/containernetworking/plugins/plugins/ipam/static \
  && go build -trimpath -ldflags "-s -w" -o "$assets.tmp/cni/ovs-config-check" ./cmd/ovs-config-check)
(cd gitops && go build -trimpath -ldflags "-s -w" -o "$assets.tmp/argocd-normalize" ./cmd/argocd-normalize)

# Read whole before matching: `grep -q` stops reading at the first match, and under pipefail the writer's SIGPIPE
# (kubectl prints a Kustomize line after it) would fail the check at random.
apiserver_version=$("$assets.tmp/kube-apiserver" --version)
grep -qx "Kubernetes $KUBERNETES_VERSION" <<<"$apiserver_version" \
  || { say "the built kube-apiserver reports '$apiserver_version', not $KUBERNETES_VERSION"; exit 1; }
kubectl_version=$("$assets.tmp/kubectl" version --client)
grep -qx "Client Version: $KUBERNETES_VERSION" <<<"$kubectl_version" \
  || { say "the built kubectl reports '$(head -n 1 <<<"$kubectl_version")', not $KUBERNETES_VERSION"; exit 1; }
mv "$assets.tmp" "$assets"
# Binaries of other pins are never used again.
find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
say "built $("$assets/kube-apiserver" --version), etcd $ETCD_VERSION, KubeVirt $KUBEVIRT_VERSION, CNI plugins $CNI_PLUGINS_VERSION and ovs-cni $OVS_CNI_VERSION in ${SECONDS} s"
echo "$assets"
