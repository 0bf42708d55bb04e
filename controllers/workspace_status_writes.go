package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// staleRequeue is how soon a reconcile that found the cache behind its own last status patch
// looks again; the cache usually catches up within milliseconds.
const staleRequeue = 200 * time.Millisecond

// statusWrites remembers, per workspace, the resourceVersion its last status patch was
// computed from. The cache delivers the patched workspace a moment after the patch; a
// reconcile that reads the workspace before then would decide again from the old status:
// start the same upgrade step twice, count it twice, emit its Event twice. Such a reconcile
// waits instead. Entries go as soon as the cache shows any other version.
type statusWrites struct {
	mu   sync.Mutex
	from map[types.NamespacedName]string
}

// record notes that the status of key was patched from resourceVersion rv.
func (s *statusWrites) record(key types.NamespacedName, rv string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.from == nil {
		s.from = map[types.NamespacedName]string{}
	}
	s.from[key] = rv
}

// stale reports whether rv, the version the cache shows of key, is the one the last status
// patch was computed from, so that the cache does not hold that patch yet.
func (s *statusWrites) stale(key types.NamespacedName, rv string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, ok := s.from[key]
	if !ok {
		return false
	}
	if from == rv {
		return true
	}
	delete(s.from, key)
	return false
}

// forget drops key, for a workspace that is gone.
func (s *statusWrites) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.from, key)
}
