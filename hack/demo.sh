#!/usr/bin/env bash
# The demo: the operator provisioning three municipalities on the local simulated cluster.
#
#   hack/demo.sh up     build what is needed, start the cluster, install the operator with Helm
#                       from charts/rathaus (CRDs, RBAC, ServiceAccount, catalog, the platform),
#                       apply the samples, run the operator, wait until every workspace is Ready,
#                       print them with their endpoints, and show that a full resync of the
#                       settled fleet issues zero write requests. Exits non-zero on failure.
#   hack/demo.sh down   stop the operator and remove the cluster and all demo state.
#
# kwok runs no containers, so the chart's manager pod is scheduled and admitted (under the
# restricted Pod Security Standard) but never runs. The operator runs here instead, built from
# this checkout, with a kubeconfig that impersonates the chart's ServiceAccount: every request
# it makes is authorized by the chart's RBAC, so workspaces reaching Ready prove that RBAC.
#
# Environment: READY_TIMEOUT (default 300s), plus those of hack/cluster.sh.
set -euo pipefail

# Its own path, not $0: test/perf/bench.sh and test/perf/bench-upgrade.sh source it.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=hack/lib.sh
source "$root/hack/lib.sh"
demo="$root/.demo"
export KUBECONFIG_OUT=${KUBECONFIG_OUT:-$demo/kubeconfig}
READY_TIMEOUT=${READY_TIMEOUT:-300s}
operator_pid="$demo/operator.pid"
operator_log="$demo/operator.log"
operator_kubeconfig="$demo/operator.kubeconfig"
metrics_addr=127.0.0.1:18080
release=rathaus
release_namespace=rathaus-system

log() { echo ">> $*" >&2; }
k() { kubectl --kubeconfig "$KUBECONFIG_OUT" "$@"; }

stop_operator() { stop_pidfile "$operator_pid" rathaus-manager; }

# start_operator [FLAG...]: (re)starts the operator, with extra flags if given. It names the
# image the chart would run, which a restore of credentials runs in the workspace.
start_operator() {
	stop_operator
	local image
	image="ghcr.io/rathaus-io/rathaus:$(awk '$1 == "appVersion:" { gsub(/"/, "", $2); print $2 }' "$root/charts/rathaus/Chart.yaml")"
	# OPERATOR_GOMEMLIMIT: the soft memory limit the operator would derive from a container
	# limit (the chart's manager.memoryLimitRatio of resources.limits.memory), for the operator
	# alone, not the simulated cluster's processes.
	env ${OPERATOR_GOMEMLIMIT:+GOMEMLIMIT="$OPERATOR_GOMEMLIMIT"} setsid "$demo/bin/rathaus-manager" --kubeconfig "$operator_kubeconfig" --operator-image "$image" \
		--metrics-bind-address "$metrics_addr" --metrics-secure=false --health-probe-bind-address 127.0.0.1:18081 "$@" \
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

# install_chart HELM: the operator's namespace (restricted Pod Security), then the chart with
# the sample platform as its WorkspacePlatform. 'upgrade --install' makes a rerun on a kept
# cluster an upgrade, which adopts what the first install created through hooks.
install_chart() {
	local helm=$1
	log "installing the operator with helm from charts/rathaus into $release_namespace"
	k apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $release_namespace
  labels:
    pod-security.kubernetes.io/enforce: restricted
EOF
	# The sample platform's spec block, indented one level deeper, becomes platform.spec.
	{
		printf 'platform:\n  create: true\n'
		awk 'block { print "  " $0 } /^spec:/ { block = 1; print "  spec:" }' "$root/config/samples/platform.yaml"
	} >"$demo/values.yaml"
	if ! KUBECONFIG="$KUBECONFIG_OUT" HELM_CACHE_HOME="$demo/helm/cache" HELM_CONFIG_HOME="$demo/helm/config" \
		HELM_DATA_HOME="$demo/helm/data" "$helm" upgrade --install "$release" "$root/charts/rathaus" \
		--namespace "$release_namespace" --values "$demo/values.yaml" --wait --timeout 120s >"$demo/helm.log" 2>&1; then
		echo "helm upgrade --install failed; see $demo/helm.log" >&2
		tail -20 "$demo/helm.log" >&2
		exit 1
	fi
	k wait --for=condition=Established crd -l app.kubernetes.io/instance="$release" --timeout=60s >/dev/null
	echo "release $release installed; its manager pod is admitted under Pod Security restricted" \
		"($(k -n "$release_namespace" get deploy "$release-manager" -o jsonpath='{.status.readyReplicas}') ready; kwok runs no containers). Chart objects:"
	{
		k get crd,clusterrole,clusterrolebinding,wsp,srel -l app.kubernetes.io/instance="$release" -o name
		k -n "$release_namespace" get sa,role,rolebinding,deploy,pdb,svc -l app.kubernetes.io/instance="$release" -o name
	} | sed 's/^/   /'
}

# operator_kubeconfig_as_service_account: the cluster's admin kubeconfig, except that every
# request impersonates the chart's ServiceAccount, so the chart's RBAC decides what the
# operator may do.
operator_kubeconfig_as_service_account() {
	local sa="system:serviceaccount:$release_namespace:$release-manager" user
	k config view --raw --minify >"$operator_kubeconfig.tmp"
	chmod 600 "$operator_kubeconfig.tmp"
	user=$(k config view --minify -o jsonpath='{.contexts[0].context.user}')
	kubectl --kubeconfig "$operator_kubeconfig.tmp" config set "users.$user.act-as" "$sa" >/dev/null
	mv "$operator_kubeconfig.tmp" "$operator_kubeconfig"
	if [[ $(kubectl --kubeconfig "$operator_kubeconfig" auth whoami -o jsonpath='{.status.userInfo.username}') != "$sa" ]]; then
		echo "the operator's kubeconfig does not impersonate $sa" >&2
		exit 1
	fi
	# The demo's operator runs without leader election: lease renewals are writes, and the
	# resync check below counts every write. The chart's leader-election Role is checked here.
	local check
	for check in "create leases.coordination.k8s.io" "update leases.coordination.k8s.io" "create events" "patch events"; do
		# shellcheck disable=SC2086 # verb and resource
		if [[ $(kubectl --kubeconfig "$operator_kubeconfig" auth can-i $check -n "$release_namespace") != yes ]]; then
			echo "the chart's RBAC does not let $sa $check in $release_namespace (leader election)" >&2
			exit 1
		fi
	done
}

# create_gaiax_secrets creates the Secrets the sample platform's Gaia-X credentials need: the
# RSA key that signs them (PS256, the algorithm every Gaia-X notary and example uses) and a stand-in for the registration number credential a Gaia-X
# notary would issue (hack/demonotary, a notary of its own that no compliance service trusts).
# Demo values, generated afresh for every cluster.
create_gaiax_secrets() {
	if ! k get secret -n default gaiax-signing-key >/dev/null 2>&1; then
		local key
		key=$(mktemp)
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
		k create secret generic -n default gaiax-signing-key --from-file=key.pem="$key" >/dev/null
		rm -f "$key"
	fi
	if ! k get secret -n default gaiax-registration >/dev/null 2>&1; then
		local credential
		credential=$(cd "$root" && go run ./hack/demonotary DE123456789 DE)
		k create secret generic -n default gaiax-registration --from-literal=credential.jwt="$credential" >/dev/null
	fi
}

# create_backup_secrets creates the Secrets the sample platform's backup policy names: a
# random encryption key (a provider keeps its own outside the cluster) and demo credentials of
# an object store the simulated cluster cannot reach anyway.
create_backup_secrets() {
	if ! k get secret -n default backup-key >/dev/null 2>&1; then
		k create secret generic -n default backup-key --from-literal=password="$(openssl rand -hex 32)" >/dev/null
	fi
	if ! k get secret -n default backup-store >/dev/null 2>&1; then
		k create secret generic -n default backup-store --from-literal=access-key=demo --from-literal=secret-key=demo >/dev/null
	fi
}

# show_offering prints a summary of a workspace's Gaia-X service offering, decoded from its
# VC-JWT, then checks every workspace's credentials as a verifier would (check-gaiax: each JWT
# verified with go-jose against did-key.json, the 25.11 shapes).
show_offering() {
	local ns=$1 name=$2
	log "the Gaia-X service offering of $ns/$name (ConfigMap rathaus-gaiax, Loire format)"
	k get mws -n "$ns" "$name" -o jsonpath='{.status.credentials.offeringID}: {.status.credentials.format}, presentation {.status.credentials.digest}{"\n"}'
	k get configmap -n "$ns" rathaus-gaiax -o jsonpath='{.data.service-offering\.jwt}' | jq -rR '
		def b64url: gsub("-"; "+") | gsub("_"; "/") | . + ("==="[0:((4 - (length % 4)) % 4)]) | @base64d;
		split(".") | (.[0] | b64url | fromjson) as $h | (.[1] | b64url | fromjson) as $vc | $vc.credentialSubject as $s
		| "  \($s["schema:name"]), provided by \($s["gx:providedBy"].id), \($s["gx:dataProtectionRegime"] | join(", ")), valid from \($vc.validFrom)",
		  "  located in: \([$s["gx:aggregationOfResources"][] | select(.type == "gx:PhysicalResource") | .["gx:location"][]["gx:countryCode"]] | join(", "))",
		  "  endpoint: \($s["gx:endpoint"]["gx:endpointURL"]["@value"] // "-") (\([($s["gx:endpoint"]["gx:standardConformity"] // [])[] | .["dcterms:title"]] | join(", ")))",
		  "  software: \([$s["gx:aggregationOfResources"][] | select(.type == "gx:SoftwareResource") | "\(.["schema:name"]) \(.["gx:version"]) (\(.["gx:license"] | join(", ")))"] | join(", "))",
		  "  signed: \($h.typ), \($h.alg) by \($h.kid)"'
	log "checking every workspace's Gaia-X credentials (rathaus-manager check-gaiax)"
	k get configmap -A --field-selector metadata.name=rathaus-gaiax -o json | "$demo/bin/rathaus-manager" check-gaiax
	echo
}

# prepare: the cluster, the operator built from this checkout, the chart installed with the
# sample platform and the catalog, and the operator's kubeconfig; the operator is not started.
# test/perf/bench.sh and test/perf/bench-upgrade.sh share it.
prepare() {
	mkdir -p "$demo/bin"
	"$root/hack/cluster.sh" up

	log "building the operator and helm"
	(cd "$root" && go build -o "$demo/bin/rathaus-manager" ./cmd)
	local helm
	helm=$("$root/hack/build-helm.sh" | tail -n 1)

	create_gaiax_secrets
	create_backup_secrets
	install_chart "$helm"
	# Mail on the sample platform (a ClusterIssuer) needs the cert-manager.io API.
	k apply --server-side -f "$root/hack/demo-crds/cert-manager-certificate.yaml" >/dev/null
	k wait --for=condition=Established crd --all --timeout=60s >/dev/null
	operator_kubeconfig_as_service_account
}

up() {
	local start=$SECONDS
	prepare

	log "installing three municipalities"
	k apply --server-side -k "$root/config/samples" >/dev/null

	log "starting the operator as system:serviceaccount:$release_namespace:$release-manager (log $operator_log)"
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
	log "scheduled backups (status.backups; the simulated cluster runs none)"
	k get mws -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: BackupsHealthy={.status.conditions[?(@.type=="BackupsHealthy")].status} ({.status.conditions[?(@.type=="BackupsHealthy")].reason}){"\n"}{range .status.backups[*]}    {.store}: {.schedule}, next {.nextScheduleTime}, last success {.lastSuccessfulTime}{"\n"}{end}{end}'
	echo
	log "the same in the operator's metrics (0: no successful backup yet)"
	curl -sf "http://$metrics_addr/metrics" | grep '^rathaus_workspace_backup_last_success_timestamp_seconds' || true
	echo

	log "the DNS records each municipality publishes (docs/dns.md)"
	k get mws -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} ({.spec.domain}):{"\n"}{range .status.dnsRecords[*]}    {.name} {.ttl} IN {.type} {.value}{"\n"}{end}{end}'
	echo
	log "the zone file of kiel (kubectl get cm rathaus-dns -n kiel -o jsonpath='{.data.zone\\.txt}')"
	k get cm rathaus-dns -n kiel -o jsonpath='{.data.zone\.txt}'
	echo
	show_offering kiel kiel

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

# Sourced (test/perf/bench.sh, test/perf/bench-upgrade.sh), it only defines the functions.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	return 0
fi

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
