#!/usr/bin/env bash
# The fleet upgrade benchmark (make bench-upgrade): on the local simulated cluster, N
# workspaces move from the oldest shipped release to the newest, through the mandatory stop,
# under the platform's concurrency limit. Prints a Markdown table and writes
# .demo/bench-upgrade.json; fails if the limit was exceeded, a step failed or halted, or a
# workspace did not arrive. docs/upgrades.md (Benchmark) has the figures and how to read them.
#
# It prepares the cluster like the demo (hack/demo.sh: cluster, chart with the sample platform
# and the catalog, the operator built from this checkout under the chart's RBAC), starts the
# operator, and runs test/perf/upgrade.
#
# Environment:
#   N               workspaces (default 200)
#   MAX_CONCURRENT  the platform's spec.upgrades.maxConcurrent (default 20)
#   TIMEOUT         how long installing and upgrading may take, each (default 1h)
#   KEEP            1 leaves the cluster and the operator running afterwards (default: torn down)
#   NODES           simulated nodes (default 10: 250 pods each; a files-only workspace runs 4 to 5)
#   OPERATOR_ARGS   extra flags of the operator, e.g. --max-concurrent-reconciles=16
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
export NODES=${NODES:-10}
# shellcheck source=hack/demo.sh
source "$root/hack/demo.sh"
N=${N:-200}
MAX_CONCURRENT=${MAX_CONCURRENT:-20}
TIMEOUT=${TIMEOUT:-1h}
KEEP=${KEEP:-0}
# shellcheck disable=SC2206 # flags split on spaces
operator_args=(${OPERATOR_ARGS:-})

# finish tears the cluster down but keeps the figures and the operator's log in .demo.
finish() {
	local keep
	keep=$(mktemp -d)
	cp "$demo/bench-upgrade.json" "$operator_log" "$keep/" 2>/dev/null || true
	down
	mkdir -p "$demo"
	cp "$keep"/* "$demo/" 2>/dev/null || true
	rm -rf "$keep"
	log "cluster removed; kept $demo/bench-upgrade.json and $operator_log"
}
if [[ "$KEEP" != 1 ]]; then
	trap finish EXIT
fi

if k get --raw /readyz >/dev/null 2>&1 && (($(k get mws -A -l rathaus.io/bench-upgrade --no-headers 2>/dev/null | wc -l) > 0)); then
	echo "the cluster holds workspaces of an earlier run; run 'make demo-down' first" >&2
	trap - EXIT
	exit 1
fi

prepare
(cd "$root" && go build -o "$demo/bin/bench-upgrade" ./test/perf/upgrade)
log "starting the operator as system:serviceaccount:$release_namespace:$release-manager (log $operator_log)"
start_operator "${operator_args[@]}"
"$demo/bin/bench-upgrade" --kubeconfig "$KUBECONFIG_OUT" -n "$N" --max-concurrent "$MAX_CONCURRENT" \
	--timeout "$TIMEOUT" --metrics-url "http://$metrics_addr/metrics" --out "$demo/bench-upgrade.json"
