#!/usr/bin/env bash
# Builds actionlint, the linter of the GitHub Actions workflows in .github/workflows, from the
# Go module proxy (module hack/tools/actionlint), as hack/build-helm.sh builds Helm: no release
# download is reachable on the machines rathaus is built on. The binary lands in
# bin/tools/actionlint-<version>-r<recipe>/actionlint (git-ignored) and is not built again when
# present; 'make lint' runs it.
#
# Prints the path of the actionlint binary on its last line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/hack/tools/actionlint"

version=$(awk '$1 == "github.com/rhysd/actionlint" { print $2; exit } $1 == "require" && $2 == "github.com/rhysd/actionlint" { print $3; exit }' "$mod/go.mod")
# recipe names this script's way of building; bump it when a change must rebuild the binary.
recipe=1
out="${ACTIONLINT_DIR:-$root/bin/tools/actionlint-$version-r$recipe}"

if [[ ! -x "$out/actionlint" ]]; then
	mkdir -p "$out"
	echo ">> building actionlint $version" >&2
	start=$SECONDS
	# actionlint reports its version from the module's build information.
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out/actionlint.tmp" github.com/rhysd/actionlint/cmd/actionlint)
	mv "$out/actionlint.tmp" "$out/actionlint"
	echo ">> built actionlint in $((SECONDS - start))s" >&2
fi

echo "$out/actionlint"
