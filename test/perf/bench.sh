#!/usr/bin/env bash
# The scale benchmark (make bench): on the local simulated cluster, N workspaces with every
# service (files, video, mail, media; size S) are created at once; the operator's figures are
# taken until all are Ready (time, peak RSS, reconciles, API requests by verb, reconcile
# latency), then the operator is restarted and the same figures are taken for the resync of
# the settled fleet, which must send no mutating request, and for a steady-state pass in which
# every workspace is reconciled once more with nothing to do (the no-op reconcile). Then the
# operator is stopped, its objects are captured, and the baseline runs on a cluster of its own,
# prepared the same way: the same objects, applied by a plain server-side apply into N fresh
# namespaces with the same workers and client rate limit, until their workloads are ready; the
# ratio operator time / baseline time bounds what the operator adds. Prints a Markdown table
# and writes .demo/bench.json. docs/performance.md has the method and the figures.
#
# It prepares the cluster like the demo (hack/demo.sh), starts the operator and runs
# test/perf/bench: -phase install, after the restart -phase resync and -phase steady, after
# stopping the operator -phase capture, and on the fresh cluster -phase baseline. The
# operator's peak RSS is VmHWM of its process, read at the end of each phase.
#
# Environment:
#   N               workspaces (default 1000); several, e.g. N="100 300 1000", run one after
#                   another, each on a fresh cluster, and end with the growth table (figures
#                   per workspace by N; .demo/bench-growth.json, each run in .demo/bench-N.json)
#   WORKERS, QPS, BURST
#                   the operator's --max-concurrent-reconciles, --kube-api-qps and
#                   --kube-api-burst, which the baseline gets too (default: the operator's)
#   BASELINE        0 skips the baseline (default 1)
#   SAME_CLUSTER    1 runs the baseline on the operator's cluster, beside its workspaces, as
#                   before (default 0: a cluster of its own)
#   TIMEOUT         how long each phase may take (default 1h)
#   KEEP            1 leaves the cluster and the operator running afterwards (default: torn down)
#   OPERATOR_GOMEMLIMIT
#                   GOMEMLIMIT for the operator alone, e.g. 236MiB: what the chart's
#                   manager.memoryLimitRatio (0.9, and 64 MiB left for the code) makes of a
#                   300Mi memory limit (default: none, as on a host without a cgroup limit)
#   NODES           simulated nodes (default: 10, or one per 5 workspaces and 2 more, for the
#                   workspaces and the baseline's copies, about 3.3 requested CPUs each; a node
#                   takes 500 pods and 64 CPUs)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000}
if [[ "$N" == *" "* ]]; then
	runs=()
	for n in $N; do
		N=$n KEEP=0 "$0"
		cp "$root/.demo/bench.json" "$root/.demo/bench-$n.json"
		runs+=("$root/.demo/bench-$n.json")
	done
	(cd "$root" && go run ./test/perf/bench -phase growth -out .demo/bench-growth.json \
		-runs "$(IFS=,; echo "${runs[*]}")")
	exit
fi
nodes=$((N / 5 + 2))
export NODES=${NODES:-$((nodes > 10 ? nodes : 10))}
# Without the CronJob controller: every provisioned workspace's Nextcloud cron would start a
# Job every five minutes, which kwok completes at once (more than a dozen requests each: Job,
# pod, binding, status updates, Events, history cleanup); at N=1000 that is an estimated
# 50-60 requests/s, twice that with the baseline's copies, against the roughly 200 requests/s
# this machine's API server serves. It is the cluster's workload, not the operator's cost;
# the CronJobs are still created and compared like every other object.
export CONTROLLERS=${CONTROLLERS:-*,-cronjob-controller}
# shellcheck source=hack/demo.sh
source "$root/hack/demo.sh"
TIMEOUT=${TIMEOUT:-1h}
KEEP=${KEEP:-0}
BASELINE=${BASELINE:-1}
SAME_CLUSTER=${SAME_CLUSTER:-0}
# The concurrency budget: the same flags for the operator and, through test/perf/bench, the
# baseline.
budget=() bench_budget=()
if [[ -n "${WORKERS:-}" ]]; then budget+=(--max-concurrent-reconciles="$WORKERS") bench_budget+=(--workers="$WORKERS"); fi
if [[ -n "${QPS:-}" ]]; then budget+=(--kube-api-qps="$QPS") bench_budget+=(--qps="$QPS"); fi
if [[ -n "${BURST:-}" ]]; then budget+=(--kube-api-burst="$BURST") bench_budget+=(--burst="$BURST"); fi

# finish tears the cluster down but keeps the figures and the operator's log in .demo.
finish() {
	local keep
	keep=$(mktemp -d)
	cp "$demo"/bench*.json "$demo"/*.pb.gz "$operator_log" "$keep/" 2>/dev/null || true
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
# No backup schedule passes during a run: the platform backs up once a year, on 1 January at
# 03:00 UTC. A schedule that passes moves every workspace's status.backups[].nextScheduleTime,
# which the operator writes on the workspace's next reconcile (once per workspace and schedule,
# restart or not); the resync and the steady-state pass, which must write nothing, would count
# those writes (a run from 01:24 to 02:07 crossed the sample platform's daily 02:00 and its
# resync wrote 898 of them).
for platform in $(k get workspaceplatforms -o name); do
	k patch "$platform" --type merge -p '{"spec":{"backup":{"schedule":"0 3 1 1 *","mediaSchedule":"0 3 1 1 *"}}}' >/dev/null
done
(cd "$root" && go build -o "$demo/bin/bench" ./test/perf/bench)
bench() {
	"$demo/bin/bench" --kubeconfig "$KUBECONFIG_OUT" -n "$N" --timeout "$TIMEOUT" \
		--metrics-url "http://$metrics_addr/metrics" --operator-pid "$(cat "$operator_pid" 2>/dev/null || echo 0)" \
		--install "$demo/bench-install.json" --out "$demo/bench.json" "${bench_budget[@]}" "$@"
}
# Go's heap profile after the install and after the resync (.demo/heap-*.pb.gz, for
# `go tool pprof`): what the operator's memory holds; and its CPU profile across the
# steady-state pass (.demo/cpu-steady.pb.gz).
budget+=(--pprof-bind-address=127.0.0.1:16060)
heap() { curl -sf -o "$demo/heap-$1.pb.gz" http://127.0.0.1:16060/debug/pprof/heap || true; }
log "starting the operator on $NODES simulated nodes (log $operator_log)"
start_operator "${budget[@]}"
bench -phase install
heap install
log "restarting the operator: the resync of the settled fleet must not write"
start_operator "${budget[@]}"
bench -phase resync
heap resync
# Where a no-op reconcile's time goes: a CPU profile across the steady-state pass.
curl -sf -o "$demo/cpu-steady.pb.gz" "http://127.0.0.1:16060/debug/pprof/profile?seconds=${STEADY_PROFILE_SECONDS:-20}" &
profile=$!
bench -phase steady
wait "$profile" || true
if [[ "$BASELINE" == 1 ]]; then
	log "stopping the operator for the baseline"
	stop_operator
	if [[ "$SAME_CLUSTER" == 1 ]]; then
		bench -phase baseline
	else
		objects=$(mktemp -d)
		bench -phase capture --objects "$objects/objects.json"
		cp "$demo"/bench*.json "$demo"/*.pb.gz "$operator_log" "$objects/"
		log "a cluster of its own for the baseline: the same nodes and settings, prepared the same way"
		down
		mkdir -p "$demo"
		cp "$objects"/bench*.json "$objects"/*.pb.gz "$objects/$(basename "$operator_log")" "$demo/"
		prepare
		(cd "$root" && go build -o "$demo/bin/bench" ./test/perf/bench)
		bench -phase baseline --objects "$objects/objects.json"
		rm -rf "$objects"
	fi
fi
