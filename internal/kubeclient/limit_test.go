package kubeclient

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// TestOneLimiterForEveryKind: REST clients for different kinds, made from copies of the
// config as controller-runtime makes them, draw on the same limiter.
func TestOneLimiterForEveryKind(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:6443"}
	LimitRequests(cfg, 50, 100)
	clientFor := func(gv schema.GroupVersion, apiPath string) *rest.RESTClient {
		c := rest.CopyConfig(cfg)
		c.GroupVersion, c.APIPath = &gv, apiPath
		c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
		rc, err := rest.RESTClientFor(c)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	core := clientFor(schema.GroupVersion{Version: "v1"}, "/api")
	apps := clientFor(schema.GroupVersion{Group: "apps", Version: "v1"}, "/apis")
	if core.GetRateLimiter() == nil || core.GetRateLimiter() != apps.GetRateLimiter() {
		t.Fatal("the clients of two kinds have limiters of their own; the budget would apply per kind")
	}
	if got := core.GetRateLimiter().QPS(); got != 50 {
		t.Errorf("limiter allows %v requests/s, want 50", got)
	}
}
