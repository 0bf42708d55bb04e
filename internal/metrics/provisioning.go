package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// TimeToReady is the time from a workspace's creation to its first Ready. The buckets span
// a baseline-only workspace (seconds) to a full stack pulling images on a fresh node (an
// hour and more).
var TimeToReady = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "rathaus_workspace_time_to_ready_seconds",
	Help:    "Time from a MunicipalityWorkspace's creation to the first time it became Ready.",
	Buckets: []float64{10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600},
})

// ObserveTimeToReady records that a workspace created at created became Ready for the first
// time at ready. The caller makes sure it is called once per workspace (see
// controllers/workspace_events.go).
func ObserveTimeToReady(created, ready time.Time) {
	// max: a clock skew between API server and operator must not yield a negative duration.
	TimeToReady.Observe(max(0, ready.Sub(created).Seconds()))
}

func init() {
	crmetrics.Registry.MustRegister(TimeToReady)
}
