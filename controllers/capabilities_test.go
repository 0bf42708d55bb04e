package controllers

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type countingMapper struct {
	meta.RESTMapper
	known map[schema.GroupKind]bool
	calls int
}

func (m *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.calls++
	if m.known[gk] {
		return &meta.RESTMapping{}, nil
	}
	return nil, &meta.NoKindMatchError{GroupKind: gk}
}

func TestCapabilitiesAskTheMapperOncePerTTL(t *testing.T) {
	route := schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}
	mapper := &countingMapper{known: map[schema.GroupKind]bool{}}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	c := newCapabilities(mapper, func() time.Time { return now })

	for range 100 {
		if ok, err := c.installed(route); ok || err != nil {
			t.Fatalf("installed = %v, %v; want false", ok, err)
		}
	}
	if mapper.calls != 1 {
		t.Fatalf("the mapper was asked %d times within the TTL, want 1", mapper.calls)
	}

	mapper.known[route.GroupKind()] = true
	now = now.Add(capabilityTTL)
	if ok, _ := c.installed(route); !ok {
		t.Fatal("a CRD installed later is not seen after the TTL")
	}
	if mapper.calls != 2 {
		t.Fatalf("mapper calls = %d, want 2", mapper.calls)
	}
}
