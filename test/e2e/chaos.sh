#!/usr/bin/env bash
# The resilience campaign (make chaos): operator kills and API server disruptions while N
# workspaces are provisioned and upgraded from the oldest shipped release to the newest. It
# runs the end-to-end suite of test/e2e, whose spec in chaos_test.go is the campaign, with the
# full campaign's -chaos.* flags (make test runs the same spec small). It needs no simulated
# cluster: the campaign starts its own kube-apiserver and etcd (envtest) from
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
#   MIN_RUN, MAX_RUN
#                   shortest and longest time the operator runs before a kill (default 500ms, 6s)
#   MAX_PAUSE       longest time the operator stays down after a kill (default 2s)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [[ -z "${KUBEBUILDER_ASSETS:-}" ]]; then
	KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh | tail -n 1)
	export KUBEBUILDER_ASSETS
fi
mkdir -p .demo/bin
go test -c -o .demo/bin/e2e.test ./test/e2e
# Plain text when the output goes to a file or a pipe.
color=()
[[ -t 1 ]] || color=(-ginkgo.no-color)
# The suite's only limits are the campaign's own (TIMEOUT per phase).
exec .demo/bin/e2e.test -test.run '^TestE2E$' -test.timeout 0 -ginkgo.timeout 0 "${color[@]}" \
	-chaos.root "$root" -chaos.n "${N:-20}" -chaos.kills "${KILLS:-60}" -chaos.seed "${SEED:-1}" \
	-chaos.outage "${OUTAGE:-10s}" -chaos.max-concurrent "${MAX_CONCURRENT:-5}" -chaos.timeout "${TIMEOUT:-10m}" \
	-chaos.min-run "${MIN_RUN:-500ms}" -chaos.max-run "${MAX_RUN:-6s}" -chaos.max-pause "${MAX_PAUSE:-2s}" \
	-chaos.out .demo/chaos.json -chaos.log .demo/chaos-operator.log
