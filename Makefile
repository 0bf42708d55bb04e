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
manifests: ## Generate CRDs and the manager's RBAC from markers.
	$(CONTROLLER_GEN) crd rbac:roleName=rathaus-manager paths=./api/... paths=./controllers/... \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: verify
verify: generate manifests ## Fail when generated files are not up to date.
	@git diff --exit-code -- api config || { echo "generated files are out of date: run 'make generate manifests' and commit"; exit 1; }

##@ Build and run

.PHONY: build
build: ## Build the operator binary into bin/manager.
	go build -o bin/manager ./cmd

.PHONY: run
run: ## Run the operator against the current kubeconfig, logging for a terminal.
	go run ./cmd --metrics-bind-address=:8080 --health-probe-bind-address=:8081 --zap-devel

.PHONY: release-images
release-images: ## List every image of the built-in release (MIRROR=host/path to see the mirrored references).
	go run ./hack/releaseimages $(if $(MIRROR),-mirror $(MIRROR))

.PHONY: control-plane
control-plane: ## Build kube-apiserver, controller-manager, scheduler, etcd, kwok, kwokctl from the Go module proxy.
	hack/build-control-plane.sh

##@ Checks

.PHONY: lint
lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: test
test: lint verify ## Unit tests and envtest suites against a real kube-apiserver and etcd.
	KUBEBUILDER_ASSETS="$$(hack/build-control-plane.sh | tail -n 1)" go test $(GO_TEST_FLAGS) ./...

##@ Demo

.PHONY: demo
demo: ## Start the simulated cluster, deploy three municipalities and wait until they are Ready.
	hack/demo.sh up

.PHONY: demo-down
demo-down: ## Remove the simulated cluster and everything the demo started.
	hack/demo.sh down

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ { printf "  %-14s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)
