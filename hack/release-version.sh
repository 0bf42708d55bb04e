#!/usr/bin/env bash
# Prints the version a release tag publishes and fails unless the chart agrees with it:
#
#	hack/release-version.sh v0.1.0    # -> 0.1.0
#
# The release workflow (.github/workflows/release.yaml) runs it before it builds anything. A
# tag vX.Y.Z publishes the image ghcr.io/rathaus-io/rathaus:X.Y.Z and the chart X.Y.Z; the
# chart's appVersion is the image tag it deploys, and Flux or Argo CD installing charts/rathaus
# from the tag read both from charts/rathaus/Chart.yaml, so version and appVersion there must
# be X.Y.Z before the tag is pushed.
set -euo pipefail

tag=${1:?usage: hack/release-version.sh vX.Y.Z}
root=$(cd "$(dirname "$0")/.." && pwd)
chart="$root/charts/rathaus/Chart.yaml"

if [[ ! $tag =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "release tag $tag is not v<major>.<minor>.<patch>[-<pre-release>]" >&2
	exit 1
fi
version=${tag#v}

field() { # Chart.yaml top-level field, unquoted
	awk -v k="$1:" '$1 == k { v = $2; gsub(/^["'"'"']|["'"'"']$/, "", v); print v; exit }' "$chart"
}
chart_version=$(field version)
app_version=$(field appVersion)
if [[ $chart_version != "$version" || $app_version != "$version" ]]; then
	echo "tag $tag publishes $version, but charts/rathaus/Chart.yaml has version $chart_version and appVersion $app_version: set both to $version and tag again" >&2
	exit 1
fi

echo "$version"
