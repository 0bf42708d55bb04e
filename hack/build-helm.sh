#!/usr/bin/env bash
# Builds the Helm CLI from the Go module proxy (module hack/tools/helm), the same way
# hack/build-control-plane.sh builds the control plane: no release download is reachable on the
# machines rathaus is built on. The binary lands in bin/tools/helm-<version>-r<recipe>/helm
# (git-ignored) and is not built again when present.
#
# Prints the path of the helm binary on its last line (the chart tests read it from HELM).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/hack/tools/helm"

mod_version() { # module go.mod -> version required there (a require line or block entry)
	awk -v m="$1" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$2"
}
helm_version=$(mod_version helm.sh/helm/v3 "$mod/go.mod")
client_go=$(mod_version k8s.io/client-go "$mod/go.mod")
# recipe names this script's way of building; bump it when a change must rebuild the binary.
recipe=2
out="${HELM_DIR:-$root/bin/tools/helm-$helm_version-r$recipe}"

if [[ ! -x "$out/helm" ]]; then
	mkdir -p "$out"
	# Helm's Makefile stamps its version, and derives the Kubernetes version that 'helm lint'
	# and 'helm template' assume from client-go (v0.X.Y -> 1.X); a plain go build would report
	# an empty version and Kubernetes 1.20.
	kube_minor=$(echo "$client_go" | cut -d. -f2)
	ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
	ldflags+=" -X helm.sh/helm/v3/internal/version.metadata= -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
	for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
		ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kube_minor"
	done
	echo ">> building helm $helm_version" >&2
	start=$SECONDS
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out/helm.tmp" helm.sh/helm/v3/cmd/helm)
	mv "$out/helm.tmp" "$out/helm"
	echo ">> built helm in $((SECONDS - start))s" >&2
fi

echo "$out/helm"
