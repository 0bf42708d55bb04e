package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// ComplianceSubmissions counts the presentations submitted to Gaia-X compliance services, by
// state of the answer (Compliant, Rejected, Unreachable).
var ComplianceSubmissions = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rathaus_gaiax_compliance_submissions_total",
	Help: "Presentations of workspaces' Gaia-X credentials submitted to a compliance service, by the state of its answer.",
}, []string{"state"})

func init() {
	crmetrics.Registry.MustRegister(ComplianceSubmissions)
}
