#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
# kwok, kwokctl) from source through the Go module proxy. No release tarball, container image
# or setup-envtest download is reachable on the machines rathaus is built on, so this is the
# only way to get them. Binaries land in bin/control-plane/<versions>/ (git-ignored); a binary
# that is already there is not built again, so the script is cheap after the first run.
#
# Prints the directory holding the binaries on its last line (usable as KUBEBUILDER_ASSETS).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/hack/tools"

mod_version() { # module go.mod -> version required there
	awk -v m="$1" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$2"
}
kube_version=$(mod_version k8s.io/kubernetes "$tools/kube/go.mod")
etcd_version=$(mod_version go.etcd.io/etcd/server/v3 "$tools/etcd/go.mod")
kwok_version=$(mod_version sigs.k8s.io/kwok "$tools/kwok/go.mod")
# recipe names this script's way of building; bump it when a change must rebuild the binaries.
recipe=2
out="${CONTROL_PLANE_DIR:-$root/bin/control-plane/k8s-$kube_version-etcd-$etcd_version-kwok-$kwok_version-r$recipe}"
mkdir -p "$out"

# Kubernetes' own build stamps the version into component-base (hack/lib/version.sh); a plain
# go build reports v0.0.0-master, which clients (and rathaus' version check) take literally.
kube_major=${kube_version#v}
kube_major=${kube_major%%.*}
kube_minor=$(echo "$kube_version" | cut -d. -f2)
kube_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	kube_ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$kube_major -X $pkg.gitMinor=$kube_minor"
	kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build() { # module-dir package binary-name [extra ldflags]
	local dir=$1 pkg=$2 name=$3 extra=${4:-}
	if [[ -x "$out/$name" ]]; then
		return
	fi
	echo ">> building $name from $pkg" >&2
	local start=$SECONDS
	(cd "$tools/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w$extra" -o "$out/$name.tmp" "$pkg")
	mv "$out/$name.tmp" "$out/$name"
	echo ">> built $name in $((SECONDS - start))s" >&2
}

# etcd and kwok first: they are quick, and the demo can report progress early.
build etcd ./cmd/etcd etcd
build kwok sigs.k8s.io/kwok/cmd/kwok kwok
build kwok sigs.k8s.io/kwok/cmd/kwokctl kwokctl
build kube k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$kube_ldflags"
build kube k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler "$kube_ldflags"
build kube k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$kube_ldflags"

echo "$out"
