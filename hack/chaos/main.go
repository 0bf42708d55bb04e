// Command chaos is the resilience campaign of make chaos: on its own kube-apiserver and etcd
// (envtest, from KUBEBUILDER_ASSETS) it runs the operator binary built from ./cmd, provisions
// N workspaces with every service on the oldest release and upgrades them all to the newest,
// while killing the operator (SIGKILL) at random moments and restarting it, and restarting and
// stopping the API server under it once per phase. At the end every workspace must have
// converged, every generated credential must be byte-identical to its first version, no
// claim or Secret holding data may have been deleted, no object may be half-owned, a fresh
// operator must find nothing to write, and the operator must never have panicked.
//
// It prints a Markdown table, writes the figures as JSON and exits non-zero when a check
// failed. hack/chaos.sh runs it (make chaos); the short campaign of campaign_test.go runs in
// make test. docs/reliability.md has the method and the figures of a run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	o := defaults()
	flag.StringVar(&o.root, "root", ".", "The repository's root (config/crd/bases, config/releases, ./cmd).")
	flag.IntVar(&o.n, "n", o.n, "Workspaces, each with files, video, mail and media.")
	flag.IntVar(&o.kills, "kills", o.kills, "Operator kills in all, half while provisioning and half while upgrading.")
	flag.Uint64Var(&o.seed, "seed", o.seed, "Seed of the kill schedule.")
	flag.DurationVar(&o.minRun, "min-run", o.minRun, "Shortest time the operator runs before a kill.")
	flag.DurationVar(&o.maxRun, "max-run", o.maxRun, "Longest time the operator runs before a kill.")
	flag.DurationVar(&o.maxPause, "max-pause", o.maxPause, "Longest time the operator stays down after a kill.")
	flag.DurationVar(&o.outage, "outage", o.outage, "How long the API server is down in the upgrade phase's outage.")
	flag.IntVar(&o.maxConcurrent, "max-concurrent", o.maxConcurrent, "The platform's spec.upgrades.maxConcurrent.")
	flag.DurationVar(&o.timeout, "timeout", o.timeout, "How long the fleet may take to converge after a phase's last kill.")
	flag.StringVar(&o.operator, "operator", "", "The operator binary; empty builds ./cmd.")
	flag.StringVar(&o.out, "out", ".demo/chaos.json", "JSON file for the figures.")
	flag.StringVar(&o.log, "log", ".demo/chaos-operator.log", "The operator's log, every run appended.")
	flag.Parse()
	quietClientLogs()
	res, err := run(context.Background(), o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	if len(res.Failures) > 0 {
		fmt.Fprintf(os.Stderr, "chaos: %d checks failed:\n", len(res.Failures))
		for _, f := range res.Failures {
			fmt.Fprintln(os.Stderr, "  -", f)
		}
		os.Exit(1)
	}
}

// options of a campaign; defaults() are those of make chaos.
type options struct {
	root                string
	n, kills            int
	seed                uint64
	minRun, maxRun      time.Duration
	maxPause, outage    time.Duration
	maxConcurrent       int
	timeout             time.Duration
	operator, out, log  string
	from, to            string
	simulateEvery       time.Duration
	resyncQuiet         time.Duration
	disruptProvisioning bool
	disruptUpgrade      bool
}

func defaults() options {
	return options{
		root: ".", n: 20, kills: 60, seed: 1,
		minRun: 500 * time.Millisecond, maxRun: 6 * time.Second, maxPause: 2 * time.Second,
		outage: 10 * time.Second, maxConcurrent: 5, timeout: 10 * time.Minute,
		from: "2026.8.0", to: "2026.11.0",
		simulateEvery: time.Second, resyncQuiet: 3 * time.Second,
		disruptProvisioning: true, disruptUpgrade: true,
	}
}

// quietClientLogs drops what client-go and controller-runtime log in the campaign's own
// process (watch errors while the API server is down are expected); the campaign reports
// through its own lines.
func quietClientLogs() {
	ctrl.SetLogger(logr.Discard())
	klog.SetLogger(logr.Discard())
}
