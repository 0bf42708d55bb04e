#!/usr/bin/env bash
# Starts and stops the local simulated Kubernetes cluster used for demos and load tests:
# a kwok cluster (binary runtime: real etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler built from source by hack/build-control-plane.sh; kwok fakes the nodes and
# marks pods Ready), simulated nodes in two regions, default StorageClasses and a small
# simulated volume provisioner (hack/simprovisioner).
#
#   hack/cluster.sh up     create the cluster, or reuse it if it exists; idempotent
#   hack/cluster.sh down   delete the cluster and stop everything it started; idempotent
#
# Environment:
#   CLUSTER_NAME    kwok cluster name (default rathaus-demo)
#   NODES           number of simulated nodes, at least 2 (default 4); the last one is in
#                   region eu-west, the others in eu-central
#   KUBECONFIG_OUT  standalone kubeconfig written for the cluster (default <repo>/.demo/kubeconfig);
#                   ~/.kube/config is never touched
#   CONTROLLERS     kube-controller-manager's --controllers (default "*", all of them); make
#                   bench leaves out the CronJob controller (test/perf/bench.sh says why)
#
# All state (kwok workdir, etcd data, logs, pid files) lives under <repo>/.demo/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
source "$root/hack/lib.sh"
demo="$root/.demo"
CLUSTER_NAME=${CLUSTER_NAME:-rathaus-demo}
NODES=${NODES:-4}
CONTROLLERS=${CONTROLLERS:-*}
KUBECONFIG_OUT=${KUBECONFIG_OUT:-$demo/kubeconfig}

export KWOK_WORKDIR="$demo/kwok"
cluster_dir="$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
provisioner_bin="$demo/bin/simprovisioner"
provisioner_pid="$demo/simprovisioner-$CLUSTER_NAME.pid"
provisioner_log="$demo/simprovisioner-$CLUSTER_NAME.log"
field_manager=rathaus-cluster-sh
node_label=rathaus.io/simulated-node

log() { echo ">> $*" >&2; }
k() { kubectl --kubeconfig "$KUBECONFIG_OUT" "$@"; }

binaries() { # prints the directory holding the control-plane binaries, building them if needed
	"$root/hack/build-control-plane.sh" | tail -n 1
}

stop_provisioner() { stop_pidfile "$provisioner_pid" simprovisioner; }

start_provisioner() {
	stop_provisioner # always restart: the cluster (and so the kubeconfig) may be new
	log "starting simprovisioner (log $provisioner_log)"
	setsid "$provisioner_bin" --kubeconfig "$KUBECONFIG_OUT" </dev/null >>"$provisioner_log" 2>&1 &
	echo $! >"$provisioner_pid"
}

cluster_healthy() { # every component process alive (not a zombie) and the apiserver ready
	local f stat
	for f in "$cluster_dir"/pids/*.pid; do
		[[ -f "$f" ]] || return 1
		stat=$(ps -o stat= -p "$(<"$f")") || return 1
		[[ "$stat" != Z* ]] || return 1
	done
	kubectl --kubeconfig "$cluster_dir/kubeconfig.yaml" get --raw /readyz --request-timeout=5s >/dev/null 2>&1
}

nodes_yaml() { # simulated nodes: metadata and spec
	local i zone region
	for ((i = 0; i < NODES; i++)); do
		node_zone "$i"
		cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: sim-$zone-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    $node_label: "true"
    type: kwok
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: sim-$zone-$i
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: $region
    topology.kubernetes.io/zone: $zone
spec:
  podCIDR: 10.244.$i.0/24
  podCIDRs: [10.244.$i.0/24]
EOF
	done
}

nodes_status_yaml() { # capacity and addresses, applied to the status subresource
	local i zone region
	for ((i = 0; i < NODES; i++)); do
		node_zone "$i"
		cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: sim-$zone-$i
status:
  capacity: {cpu: "64", memory: 256Gi, pods: "500"}
  allocatable: {cpu: "64", memory: 256Gi, pods: "500"}
  addresses:
  - {type: InternalIP, address: 192.0.2.$((i + 1))}
  - {type: Hostname, address: sim-$zone-$i}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
EOF
	done
}

node_zone() { # index -> sets zone and region; the last node is the one in eu-west
	if (($1 == NODES - 1)); then
		region=eu-west zone=eu-west-a
	else
		region=eu-central zone=eu-central-$([[ $(($1 % 2)) == 0 ]] && echo a || echo b)
	fi
}

storage_classes_yaml() {
	cat <<EOF
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: rathaus-sim
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: rathaus.io/simulated
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
# The simulated storage lives in eu-central only: volumes (and so their pods) stay there.
allowedTopologies:
- matchLabelExpressions:
  - key: topology.kubernetes.io/region
    values: [eu-central]
---
# Same simulated backend; use this class for ReadWriteMany claims.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: rathaus-sim-rwx
provisioner: rathaus.io/simulated
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
# The simulated storage lives in eu-central only: volumes (and so their pods) stay there.
allowedTopologies:
- matchLabelExpressions:
  - key: topology.kubernetes.io/region
    values: [eu-central]
EOF
}

up() {
	local start=$SECONDS bin
	if ((NODES < 2)); then
		echo "NODES must be at least 2 (one node is in the disallowed region eu-west)" >&2
		exit 1
	fi
	bin=$(binaries)
	mkdir -p "$demo/bin" "$KWOK_WORKDIR" "$(dirname "$KUBECONFIG_OUT")"
	log "building simprovisioner"
	(cd "$root" && go build -o "$provisioner_bin" ./hack/simprovisioner)

	# Options without a command-line flag. Binding to loopback keeps etcd (no auth) and the
	# components off the network; kubectl points at the local one so nothing is downloaded.
	# The components' extra arguments are here and not in --extra-args, which kwokctl v0.8.0
	# mixes up (panics) when two components get more than one each.
	# Fleet-sized ranges: the default Service CIDR (/24) runs out past about 250 Services, and
	# the default node-port range (30000-32767, 2,768 ports) past about 390 workspaces whose
	# mail (6 ports) and video (1) are exposed as NodePort, as in the sample platform.
	cat >"$KWOK_WORKDIR/kwokctl-config.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
  kubectlBinary: $(command -v kubectl)
componentsPatches:
- name: kube-apiserver
  extraArgs:
  - {key: service-cluster-ip-range, value: 10.96.0.0/16}
  - {key: service-node-port-range, value: 30000-50000}
- name: kube-controller-manager
  extraArgs:
  - {key: service-cluster-ip-range, value: 10.96.0.0/16}
  - {key: controllers, value: "$CONTROLLERS"}
EOF

	# kwokctl reuses an existing cluster but only starts components whose pid is not alive, and
	# a half-dead cluster (say after a crash) can hang; stop it fully so it starts cleanly.
	if [[ -d "$cluster_dir" ]] && ! cluster_healthy; then
		log "cluster $CLUSTER_NAME exists but is not healthy, restarting it"
		"$bin/kwokctl" --name "$CLUSTER_NAME" stop cluster
	fi
	log "creating kwok cluster $CLUSTER_NAME (reused if it exists)"
	"$bin/kwokctl" --name "$CLUSTER_NAME" --config "$KWOK_WORKDIR/kwokctl-config.yaml" \
		create cluster \
		--runtime binary \
		--kubeconfig "" \
		--etcd-binary "$bin/etcd" \
		--kube-apiserver-binary "$bin/kube-apiserver" \
		--kube-controller-manager-binary "$bin/kube-controller-manager" \
		--kube-scheduler-binary "$bin/kube-scheduler" \
		--kwok-controller-binary "$bin/kwok" \
		--disable-qps-limits \
		--quiet-pull >>"$demo/kwokctl.log" 2>&1 || {
		echo "kwokctl create cluster failed; see $demo/kwokctl.log" >&2
		tail -20 "$demo/kwokctl.log" >&2
		exit 1
	}

	"$bin/kwokctl" --name "$CLUSTER_NAME" get kubeconfig >"$KUBECONFIG_OUT.tmp"
	chmod 600 "$KUBECONFIG_OUT.tmp"
	mv "$KUBECONFIG_OUT.tmp" "$KUBECONFIG_OUT"

	local deadline=$((SECONDS + 120))
	until k get --raw /readyz >/dev/null 2>&1; do
		if ((SECONDS > deadline)); then
			echo "kube-apiserver not ready after 120s, see $cluster_dir/logs/" >&2
			exit 1
		fi
		sleep 0.5
	done

	log "applying storage classes and $NODES nodes"
	storage_classes_yaml | k apply --server-side --field-manager="$field_manager" -f - >/dev/null
	nodes_yaml | k apply --server-side --field-manager="$field_manager" -f - >/dev/null
	# kwok may have initialised the status first; our capacity wins.
	nodes_status_yaml | k apply --server-side --field-manager="$field_manager" --force-conflicts \
		--subresource=status -f - >/dev/null
	local wanted node
	wanted=$(nodes_yaml | awk '$1 == "name:" { print "node/" $2 }')
	for node in $(k get nodes -l "$node_label=true" -o name); do
		if ! grep -qx "$node" <<<"$wanted"; then
			k delete "$node" --wait=false
		fi
	done

	start_provisioner
	k wait nodes -l "$node_label=true" --for=condition=Ready --timeout=120s >/dev/null

	log "cluster $CLUSTER_NAME is up in $((SECONDS - start))s; use: export KUBECONFIG=$KUBECONFIG_OUT"
}

down() {
	stop_provisioner
	if [[ -d "$cluster_dir" ]]; then
		local bin
		bin=$(binaries)
		log "deleting kwok cluster $CLUSTER_NAME"
		# --kubeconfig: kwokctl removes its context there; the file is deleted below anyway.
		"$bin/kwokctl" --name "$CLUSTER_NAME" delete cluster --kubeconfig "$KUBECONFIG_OUT" >>"$demo/kwokctl.log" 2>&1
	fi
	rm -f "$KUBECONFIG_OUT"
	log "cluster $CLUSTER_NAME is down"
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
