// Package metrics defines the operator's own Prometheus metrics beyond controller-runtime's.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/rest"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// APIRequests counts the operator's requests to the Kubernetes API by HTTP method. Mutating
// methods (POST, PUT, PATCH, DELETE) of a settled fleet must stay flat: that is how the
// "zero writes at rest" promise is measured, in tests and in production.
var APIRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rathaus_kube_api_requests_total",
	Help: "Requests the operator sent to the Kubernetes API server, by HTTP method.",
}, []string{"method"})

func init() {
	crmetrics.Registry.MustRegister(APIRequests)
}

// CountRequests makes every client built from cfg count its requests in APIRequests.
func CountRequests(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			APIRequests.WithLabelValues(req.Method).Inc()
			return rt.RoundTrip(req)
		})
	})
}

// MutatingRequests returns the number of mutating requests counted so far.
func MutatingRequests() float64 {
	var sum float64
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		sum += counterValue(APIRequests.WithLabelValues(m))
	}
	return sum
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
