#!/usr/bin/env bash
# The resilience campaign (make chaos): operator kills and API server disruptions while N
# workspaces are provisioned and upgraded from the oldest shipped release to the newest. It
# needs no simulated cluster: hack/chaos starts its own kube-apiserver and etcd (envtest) from
# KUBEBUILDER_ASSETS, which make chaos points at the locally built control plane, builds the
# operator from ./cmd and runs it as a child process on ports the kernel picks. Prints a
# Markdown table, writes .demo/chaos.json and the operator's log .demo/chaos-operator.log,
# and exits non-zero when a check failed. docs/reliability.md has the method and figures.
#
# Environment:
#   N               workspaces (default 20)
#   KILLS           operator kills in all, half while provisioning, half while upgrading (default 60)
#   SEED            seed of the kill schedule (default 1)
#   OUTAGE          how long the API server is stopped in the upgrade phase (default 10s)
#   MAX_CONCURRENT  the platform's spec.upgrades.maxConcurrent (default 5)
#   TIMEOUT         how long the fleet may take to converge after a phase's last kill (default 10m)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ -z "${KUBEBUILDER_ASSETS:-}" ]]; then
	KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh | tail -n 1)
	export KUBEBUILDER_ASSETS
fi
mkdir -p .demo
go build -o .demo/bin/chaos ./hack/chaos
exec .demo/bin/chaos -root "$root" -n "${N:-20}" -kills "${KILLS:-60}" -seed "${SEED:-1}" \
	-outage "${OUTAGE:-10s}" -max-concurrent "${MAX_CONCURRENT:-5}" -timeout "${TIMEOUT:-10m}" \
	-out .demo/chaos.json -log .demo/chaos-operator.log
