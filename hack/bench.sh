#!/usr/bin/env bash
# The scale benchmark (make bench): on the local simulated cluster, N workspaces with every
# service (files, video, mail, media; size S) are created at once; the operator's figures are
# taken until all are Ready (time, peak RSS, reconciles, API requests by verb, reconcile
# latency), then the operator is restarted and the same figures are taken for the resync of
# the settled fleet, which must send no mutating request. Prints a Markdown table and writes
# .demo/bench.json. docs/performance.md has the method and the figures.
#
# It prepares the cluster like the demo (hack/demo.sh), starts the operator and runs
# hack/bench twice: -phase install, then, after the restart, -phase resync. The operator's
# peak RSS is VmHWM of its process, read at the end of each phase.
#
# Environment:
#   N               workspaces (default 1000)
#   TIMEOUT         how long each phase may take (default 1h)
#   KEEP            1 leaves the cluster and the operator running afterwards (default: torn down)
#   NODES           simulated nodes (default: 10, or one per 8 workspaces and 2 more; a node
#                   takes 250 pods and 32 CPUs)
#   OPERATOR_ARGS   extra flags of the operator, e.g. --max-concurrent-reconciles=16
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
nodes=$((N / 8 + 2))
export NODES=${NODES:-$((nodes > 10 ? nodes : 10))}
# shellcheck source=hack/demo.sh
source "$root/hack/demo.sh"
TIMEOUT=${TIMEOUT:-1h}
KEEP=${KEEP:-0}
# shellcheck disable=SC2206 # flags split on spaces
operator_args=(${OPERATOR_ARGS:-})

# finish tears the cluster down but keeps the figures and the operator's log in .demo.
finish() {
	local keep
	keep=$(mktemp -d)
	cp "$demo/bench.json" "$demo/bench-install.json" "$operator_log" "$keep/" 2>/dev/null || true
	down
	mkdir -p "$demo"
	cp "$keep"/* "$demo/" 2>/dev/null || true
	rm -rf "$keep"
	log "cluster removed; kept $demo/bench.json and $operator_log"
}
if [[ "$KEEP" != 1 ]]; then
	trap finish EXIT
fi

if k get --raw /readyz >/dev/null 2>&1 && (($(k get mws -A -l rathaus.io/bench --no-headers 2>/dev/null | wc -l) > 0)); then
	echo "the cluster holds workspaces of an earlier run; run 'make demo-down' first" >&2
	trap - EXIT
	exit 1
fi

prepare
(cd "$root" && go build -o "$demo/bin/bench" ./hack/bench)
bench() {
	"$demo/bin/bench" --kubeconfig "$KUBECONFIG_OUT" -n "$N" --timeout "$TIMEOUT" \
		--metrics-url "http://$metrics_addr/metrics" --operator-pid "$(<"$operator_pid")" \
		--install "$demo/bench-install.json" --out "$demo/bench.json" "$@"
}
log "starting the operator on $NODES simulated nodes (log $operator_log)"
start_operator "${operator_args[@]}"
bench -phase install
log "restarting the operator: the resync of the settled fleet must not write"
start_operator "${operator_args[@]}"
bench -phase resync
