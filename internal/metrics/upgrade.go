package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// StepResult is what happened to an upgrade step, the label of UpgradeSteps.
type StepResult string

// Results of upgrade steps.
const (
	StepStarted   StepResult = "started"
	StepSucceeded StepResult = "succeeded"
	StepFailed    StepResult = "failed"
)

// UpgradeSteps counts the upgrade engine's steps by result. started minus succeeded minus
// failed is the number of steps in flight; a rising failed is what the UpgradeHalted alert
// watches.
var UpgradeSteps = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rathaus_upgrade_steps_total",
	Help: "Upgrade steps of workspaces by result: started, succeeded or failed.",
}, []string{"result"})

// CountUpgradeStep counts one upgrade step that started, succeeded or failed.
func CountUpgradeStep(result StepResult) {
	UpgradeSteps.WithLabelValues(string(result)).Inc()
}

func init() {
	// Every result exists from the start at 0, so that rate() and increase() see the first
	// step and alerts need no absent() clause.
	for _, r := range []StepResult{StepStarted, StepSucceeded, StepFailed} {
		UpgradeSteps.WithLabelValues(string(r))
	}
	crmetrics.Registry.MustRegister(UpgradeSteps)
}
