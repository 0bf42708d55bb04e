// Package metrics defines the operator's own Prometheus metrics beyond controller-runtime's.
package metrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/rest"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// APIRequests counts the operator's requests to the Kubernetes API by HTTP method and
// resource. Mutating methods (POST, PUT, PATCH, DELETE) of a settled fleet must stay flat:
// that is how the "zero writes at rest" promise is measured, in tests and in production; the
// resource says what a request was for ("secrets", "deployments.apps", "statefulsets.apps/
// status"), so that a benchmark can tell what each workspace costs.
var APIRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rathaus_kube_api_requests_total",
	Help: "Requests the operator sent to the Kubernetes API server, by HTTP method and resource (resource.group[/subresource]).",
}, []string{"method", "resource"})

func init() {
	crmetrics.Registry.MustRegister(APIRequests)
}

// CountRequests makes every client built from cfg count its requests in APIRequests.
func CountRequests(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			APIRequests.WithLabelValues(req.Method, Resource(req.URL.Path)).Inc()
			return rt.RoundTrip(req)
		})
	})
}

// MutatingRequests returns the number of mutating requests counted so far.
func MutatingRequests() float64 {
	var sum float64
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		sum += Requests(m)
	}
	return sum
}

// Requests returns the number of requests with method counted so far, of every resource.
func Requests(method string) float64 { return RequestsFor(method, "") }

// RequestsFor returns the number of requests with method to resource counted so far; every
// resource's when resource is empty.
func RequestsFor(method, resource string) float64 {
	var sum float64
	ch := make(chan prometheus.Metric, 64)
	go func() {
		APIRequests.Collect(ch)
		close(ch)
	}()
	for m := range ch {
		var d dto.Metric
		if m.Write(&d) != nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range d.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["method"] == method && (resource == "" || labels["resource"] == resource) {
			sum += d.GetCounter().GetValue()
		}
	}
	return sum
}

// Resource names what a request to path is for: "resource.group" (no group for the core
// API), with "/subresource" when it goes to one; "discovery" for the API's own description.
func Resource(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return "discovery"
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:] // a namespaced resource; "namespaces/<name>" alone is the namespace
	}
	if len(parts) == 0 {
		return "discovery"
	}
	resource := parts[0]
	if group != "" {
		resource += "." + group
	}
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	return resource
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
