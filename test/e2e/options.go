// Package e2e holds the end-to-end suites, run with Ginkgo (e2e_suite_test.go). Its one
// campaign so far is the resilience campaign of make chaos (chaos_test.go): on its own
// kube-apiserver and etcd (envtest, from KUBEBUILDER_ASSETS) it runs the operator binary built
// from ./cmd, provisions N workspaces with every service on the oldest release and upgrades
// them all to the newest, while killing the operator (SIGKILL) at random moments and
// restarting it, and restarting and stopping the API server under it once per phase. At the
// end every workspace must have converged, every generated credential must be byte-identical
// to its first version, no claim or Secret holding data may have been deleted, no object may
// be half-owned, a fresh operator must find nothing to write, and the operator must never
// have panicked.
//
// The campaign prints a Markdown table and writes the figures as JSON; the spec fails when a
// check failed. In make test (go test ./...) it runs small, with the defaults of the suite's
// -chaos.* flags; test/e2e/chaos.sh (make chaos) runs the same spec with the full campaign's
// flags. docs/reliability.md has the method and the figures of a run.
package e2e

import (
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

// options of a campaign, set by the suite's -chaos.* flags.
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

// quietClientLogs drops what client-go and controller-runtime log in the campaign's own
// process (watch errors while the API server is down are expected); the campaign reports
// through its own lines.
func quietClientLogs() {
	ctrl.SetLogger(logr.Discard())
	klog.SetLogger(logr.Discard())
}
