# rathaus: see README.md. Every tool runs through the Go toolchain; nothing is downloaded
# except Go modules.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

CONTROLLER_GEN := go tool controller-gen
GO_TEST_FLAGS ?=

.PHONY: all
all: build

##@ Code generation

.PHONY: generate
generate: ## Generate deepcopy functions.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: manifests
manifests: ## Generate CRDs and the manager's RBAC from markers, the chart's copies of them and of config/releases, and docs/reference.
	$(CONTROLLER_GEN) crd rbac:roleName=rathaus-manager paths=./api/... paths=./controllers/... \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	go run ./hack/chartgen
	go run ./hack/apiref

.PHONY: verify
verify: generate manifests ## Fail when generated files are not up to date.
	@git diff --exit-code -- api config charts docs/reference && test -z "$$(git ls-files --others --exclude-standard -- charts docs/reference)" \
		|| { echo "generated files are out of date: run 'make generate manifests' and commit"; git status --short -- api config charts docs/reference; exit 1; }

##@ Build and run

.PHONY: build
build: ## Build the operator binary into bin/manager.
	go build -o bin/manager ./cmd

.PHONY: run
run: ## Run the operator against the current kubeconfig, logging for a terminal.
	go run ./cmd --metrics-bind-address=127.0.0.1:8080 --metrics-secure=false --health-probe-bind-address=:8081 --zap-devel

.PHONY: release-images
release-images: ## List every image of the built-in release (MIRROR=host/path to see the mirrored references).
	go run ./hack/releaseimages $(if $(MIRROR),-mirror $(MIRROR))

.PHONY: helm
helm: ## Build the Helm CLI from the Go module proxy into bin/tools/ (the chart tests and the demo use it).
	hack/build-helm.sh

IMG ?= ghcr.io/rathaus-io/rathaus:dev
.PHONY: docker-build
docker-build: ## Build the operator image IMG with Docker (multi-stage, distroless, non-root).
	docker build -t $(IMG) .

.PHONY: chart
chart: ## Package the Helm chart into dist/rathaus-<version>.tgz with the Helm CLI of 'make helm'.
	"$$(hack/build-helm.sh | tail -n 1)" package charts/rathaus --destination dist

.PHONY: control-plane
control-plane: ## Build kube-apiserver, controller-manager, scheduler, etcd, kwok, kwokctl from the Go module proxy.
	hack/build-control-plane.sh

##@ Checks

# actionlint runs without shellcheck and pyflakes, so that it reports the same on every machine
# (neither is installed here, and actionlint would use them only where found).
.PHONY: lint
lint: ## gofmt, go vet, and actionlint on .github/workflows (built by hack/build-actionlint.sh).
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	"$$(hack/build-actionlint.sh | tail -n 1)" -shellcheck= -pyflakes= -no-color

.PHONY: test
test: lint verify ## Unit tests, chart tests with the real Helm CLI, envtest suites against a real kube-apiserver and etcd.
	HELM="$$(hack/build-helm.sh | tail -n 1)" KUBEBUILDER_ASSETS="$$(hack/build-control-plane.sh | tail -n 1)" \
		go test $(GO_TEST_FLAGS) ./...

##@ Demo

.PHONY: demo
demo: ## Start the simulated cluster, deploy three municipalities and wait until they are Ready.
	hack/demo.sh up

.PHONY: demo-down
demo-down: ## Remove the simulated cluster and everything the demo started.
	hack/demo.sh down

# make bench-upgrade N=20 MAX_CONCURRENT=5 KEEP=1
N ?= 200
MAX_CONCURRENT ?= 20
KEEP ?= 0
KILLS ?= 60
SEED ?= 1

.PHONY: bench-upgrade
bench-upgrade: ## Benchmark: N workspaces (200) upgrade 2026.8.0 -> 2026.11.0 on the simulated cluster under MAX_CONCURRENT (20).
	N=$(N) MAX_CONCURRENT=$(MAX_CONCURRENT) KEEP=$(KEEP) test/perf/bench-upgrade.sh

# make bench N=100 KEEP=1 (N defaults to 1000 here, not to bench-upgrade's 200);
# make bench N="100 300 1000" adds the growth table.
.PHONY: bench
bench: ## Benchmark: N workspaces (1000) with every service until Ready, then the resync after a restart (must not write).
	N="$(if $(filter command line environment,$(origin N)),$(N),1000)" KEEP=$(KEEP) test/perf/bench.sh

# make chaos N=5 KILLS=10 SEED=2 (N defaults to 20 here)
.PHONY: chaos
chaos: ## Resilience campaign: N workspaces (20) provisioned and upgraded while the operator is killed KILLS (60) times and the API server restarted and stopped.
	KUBEBUILDER_ASSETS="$$(hack/build-control-plane.sh | tail -n 1)" \
		N=$(if $(filter command line environment,$(origin N)),$(N),20) KILLS=$(KILLS) SEED=$(SEED) test/e2e/chaos.sh

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ { printf "  %-14s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)
