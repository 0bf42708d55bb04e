package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// chaos holds the resilience campaign's options. The flags' defaults are the short campaign
// that runs in make test: three workspaces, six kills, one API server restart and a 3 s
// outage, in about a minute. test/e2e/chaos.sh (make chaos) passes the full campaign's.
var chaos = options{
	root: filepath.Join("..", ".."), n: 3, kills: 6, seed: 1,
	minRun: 500 * time.Millisecond, maxRun: 2 * time.Second, maxPause: time.Second,
	outage: 3 * time.Second, maxConcurrent: 5, timeout: 2 * time.Minute,
	from: "2026.8.0", to: "2026.11.0",
	simulateEvery: time.Second, resyncQuiet: 3 * time.Second,
	disruptProvisioning: true, disruptUpgrade: true,
}

func init() {
	flag.StringVar(&chaos.root, "chaos.root", chaos.root, "The repository's root (config/crd/bases, config/releases, ./cmd).")
	flag.IntVar(&chaos.n, "chaos.n", chaos.n, "Workspaces, each with files, video, mail and media.")
	flag.IntVar(&chaos.kills, "chaos.kills", chaos.kills, "Operator kills in all, half while provisioning and half while upgrading.")
	flag.Uint64Var(&chaos.seed, "chaos.seed", chaos.seed, "Seed of the kill schedule.")
	flag.DurationVar(&chaos.minRun, "chaos.min-run", chaos.minRun, "Shortest time the operator runs before a kill.")
	flag.DurationVar(&chaos.maxRun, "chaos.max-run", chaos.maxRun, "Longest time the operator runs before a kill.")
	flag.DurationVar(&chaos.maxPause, "chaos.max-pause", chaos.maxPause, "Longest time the operator stays down after a kill.")
	flag.DurationVar(&chaos.outage, "chaos.outage", chaos.outage, "How long the API server is down in the upgrade phase's outage.")
	flag.IntVar(&chaos.maxConcurrent, "chaos.max-concurrent", chaos.maxConcurrent, "The platform's spec.upgrades.maxConcurrent.")
	flag.DurationVar(&chaos.timeout, "chaos.timeout", chaos.timeout, "How long the fleet may take to converge after a phase's last kill.")
	flag.StringVar(&chaos.operator, "chaos.operator", "", "The operator binary; empty builds ./cmd.")
	flag.StringVar(&chaos.out, "chaos.out", "", "JSON file for the figures; empty: in a temporary directory.")
	flag.StringVar(&chaos.log, "chaos.log", "", "The operator's log, every run appended; empty: in a temporary directory.")
}

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("the end-to-end suite takes about a minute")
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		// What 'make control-plane' built, so that plain 'go test ./test/e2e/' works too.
		found, _ := filepath.Glob(filepath.Join(chaos.root, "bin", "control-plane", "*", "kube-apiserver"))
		if len(found) == 0 {
			t.Skip("no kube-apiserver: run 'make test' (or 'make control-plane'), which builds kube-apiserver and etcd from source")
		}
		t.Setenv("KUBEBUILDER_ASSETS", filepath.Dir(found[len(found)-1]))
	}
	quietClientLogs()
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end Suite")
}
