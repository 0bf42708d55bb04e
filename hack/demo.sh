#!/usr/bin/env bash
# The demo: the operator provisioning three municipalities on the local simulated cluster.
#
#   hack/demo.sh up     build what is needed, start the cluster, install the CRDs, the platform
#                       and the samples, run the operator, wait until every workspace is Ready,
#                       print them with their endpoints, and show that a full resync of the
#                       settled fleet issues zero write requests. Exits non-zero on failure.
#   hack/demo.sh down   stop the operator and remove the cluster and all demo state.
#
# Environment: READY_TIMEOUT (default 300s), plus those of hack/cluster.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
source "$root/hack/lib.sh"
demo="$root/.demo"
export KUBECONFIG_OUT=${KUBECONFIG_OUT:-$demo/kubeconfig}
READY_TIMEOUT=${READY_TIMEOUT:-300s}
operator_pid="$demo/operator.pid"
operator_log="$demo/operator.log"
metrics_addr=127.0.0.1:18080

log() { echo ">> $*" >&2; }
k() { kubectl --kubeconfig "$KUBECONFIG_OUT" "$@"; }

stop_operator() { stop_pidfile "$operator_pid" rathaus-manager; }

start_operator() {
	stop_operator
	setsid "$demo/bin/rathaus-manager" --kubeconfig "$KUBECONFIG_OUT" \
		--metrics-bind-address "$metrics_addr" --health-probe-bind-address 127.0.0.1:18081 \
		</dev/null >>"$operator_log" 2>&1 &
	echo $! >"$operator_pid"
	local deadline=$((SECONDS + 60))
	until curl -sf "http://$metrics_addr/metrics" >/dev/null; do
		if ((SECONDS > deadline)) || ! kill -0 "$(<"$operator_pid")" 2>/dev/null; then
			echo "the operator did not start; see $operator_log" >&2
			tail -20 "$operator_log" >&2
			exit 1
		fi
		sleep 0.3
	done
}

# metric NAME [LABEL-FILTER]: the sum of a Prometheus metric of the running operator.
metric() {
	curl -sf "http://$metrics_addr/metrics" | awk -v name="$1" -v filter="${2:-}" '
		$1 ~ "^" name "({|$)" && index($1, filter) { sum += $NF }
		END { printf "%d\n", sum }'
}

writes() {
	local sum=0 m
	for m in POST PUT PATCH DELETE; do
		sum=$((sum + $(metric rathaus_kube_api_requests_total "method=\"$m\"")))
	done
	echo "$sum"
}

up() {
	local start=$SECONDS
	mkdir -p "$demo/bin"
	"$root/hack/cluster.sh" up

	log "building the operator"
	(cd "$root" && go build -o "$demo/bin/rathaus-manager" ./cmd)

	log "installing CRDs, the platform and three municipalities"
	k apply --server-side -k "$root/config/crd" >/dev/null
	# Mail on the sample platform (a ClusterIssuer) needs the cert-manager.io API.
	k apply --server-side -f "$root/hack/demo-crds/cert-manager-certificate.yaml" >/dev/null
	k wait --for=condition=Established crd --all --timeout=60s >/dev/null
	k apply --server-side -k "$root/config/samples" >/dev/null

	log "starting the operator (log $operator_log)"
	start_operator

	log "waiting until every workspace is Ready (timeout $READY_TIMEOUT)"
	if ! k wait mws --all -A --for=condition=Ready --timeout="$READY_TIMEOUT" >/dev/null; then
		k get mws -A -o wide >&2
		echo "not every workspace became Ready; see $operator_log" >&2
		exit 1
	fi
	echo
	k get mws -A -o wide
	echo
	k get mws -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: {.spec.displayName} ({.spec.domain}), release {.status.release}{"\n"}{range .status.services[*]}    {.name}: {.url} (version {.version}, ready {.ready}){"\n"}{end}{end}'
	echo

	log "the DNS records each municipality publishes (docs/dns.md)"
	k get mws -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} ({.spec.domain}):{"\n"}{range .status.dnsRecords[*]}    {.name} {.ttl} IN {.type} {.value}{"\n"}{end}{end}'
	echo
	log "the zone file of kiel (kubectl get cm rathaus-dns -n kiel -o jsonpath='{.data.zone\\.txt}')"
	k get cm rathaus-dns -n kiel -o jsonpath='{.data.zone\.txt}'
	echo

	log "the platform's data residency and cluster checks"
	k get wsp default -o jsonpath='{range .status.conditions[*]}{.type}: {.status} ({.message}){"\n"}{end}'
	local outside
	outside=$(k get pods -A -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c 'eu-west' || true)
	echo "workspace pods on nodes in eu-west: $outside"
	if ((outside != 0)); then
		echo "pods landed outside the allowed regions" >&2
		exit 1
	fi
	echo

	log "restarting the operator: a full resync of the settled fleet must not write"
	local count
	count=$(k get mws -A --no-headers | wc -l)
	start_operator
	local deadline=$((SECONDS + 60))
	until (($(metric controller_runtime_reconcile_total 'controller="municipalityworkspace"') >= count)); do
		if ((SECONDS > deadline)); then
			echo "the restarted operator did not reconcile all $count workspaces within 60s" >&2
			exit 1
		fi
		sleep 0.5
	done
	sleep 2
	local w
	w=$(writes)
	echo "resync after restart: $(metric controller_runtime_reconcile_total 'controller="municipalityworkspace"') reconciles of $count workspaces, $w mutating API requests"
	if ((w != 0)); then
		echo "a settled fleet must resync without writes" >&2
		exit 1
	fi
	echo
	log "demo is up in $((SECONDS - start))s; the operator keeps running. Try:"
	echo "   export KUBECONFIG=$KUBECONFIG_OUT"
	echo "   kubectl get mws -A; kubectl describe mws -n kiel kiel"
	echo "   make demo-down"
}

down() {
	stop_operator
	"$root/hack/cluster.sh" down
	rm -rf "$demo"
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
