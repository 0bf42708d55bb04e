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
out="${CONTROL_PLANE_DIR:-$root/bin/control-plane/k8s-$kube_version-etcd-$etcd_version-kwok-$kwok_version}"
mkdir -p "$out"

build() { # module-dir package binary-name
	local dir=$1 pkg=$2 name=$3
	if [[ -x "$out/$name" ]]; then
		return
	fi
	echo ">> building $name from $pkg" >&2
	local start=$SECONDS
	(cd "$tools/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out/$name.tmp" "$pkg")
	mv "$out/$name.tmp" "$out/$name"
	echo ">> built $name in $((SECONDS - start))s" >&2
}

# etcd and kwok first: they are quick, and the demo can report progress early.
build etcd ./cmd/etcd etcd
build kwok sigs.k8s.io/kwok/cmd/kwok kwok
build kwok sigs.k8s.io/kwok/cmd/kwokctl kwokctl
build kube k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
build kube k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler
build kube k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager

echo "$out"
