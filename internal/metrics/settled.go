package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// SettledReconciles counts the workspace reconciles that found the workspace's inputs and
// objects exactly as a reconcile that had nothing to do left them, and so skipped rendering
// and comparing its objects. Against controller_runtime_reconcile_total it shows how much of
// the operator's work at rest is such no-op reconciles.
var SettledReconciles = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "rathaus_workspace_settled_reconciles_total",
	Help: "Workspace reconciles that skipped rendering because nothing had changed since the workspace last settled.",
})

func init() {
	crmetrics.Registry.MustRegister(SettledReconciles)
}
