package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// capabilityTTL is how long the answer "is this API installed" is trusted. The RESTMapper
// answers a kind of a missing API group by fetching the server's whole discovery document,
// every time; a fleet asking on every reconcile would hammer the API server.
const capabilityTTL = time.Minute

// capabilities remembers which optional APIs (CloudNativePG, Gateway API) the cluster has.
type capabilities struct {
	mapper meta.RESTMapper
	now    func() time.Time

	mu      sync.Mutex
	answers map[schema.GroupVersionKind]capabilityAnswer
}

type capabilityAnswer struct {
	installed bool
	at        time.Time
}

func newCapabilities(mapper meta.RESTMapper, now func() time.Time) *capabilities {
	return &capabilities{mapper: mapper, now: now, answers: map[schema.GroupVersionKind]capabilityAnswer{}}
}

// installed reports whether the cluster serves gvk, asking the RESTMapper at most once per
// capabilityTTL.
func (c *capabilities) installed(gvk schema.GroupVersionKind) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.answers[gvk]; ok && c.now().Sub(a.at) < capabilityTTL {
		return a.installed, nil
	}
	_, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case err == nil:
		c.answers[gvk] = capabilityAnswer{installed: true, at: c.now()}
		return true, nil
	case meta.IsNoMatchError(err):
		c.answers[gvk] = capabilityAnswer{installed: false, at: c.now()}
		return false, nil
	default:
		return false, err
	}
}
