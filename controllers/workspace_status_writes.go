package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// staleRequeue is how soon a reconcile that found the cache behind its own last status patch
// looks again; the cache usually catches up within milliseconds.
const staleRequeue = 200 * time.Millisecond

// progressInterval is how often, at most, a workspace's status is written while the only news
// is progress (status.ProgressOnly): its components getting ready one after another.
const progressInterval = 5 * time.Second

// statusWrites remembers, per workspace, the resourceVersion its last status patch was
// computed from, and when it was written. The cache delivers the patched workspace a moment
// after the patch; a reconcile that reads the workspace before then would decide again from
// the old status: start the same upgrade step twice, count it twice, emit its Event twice.
// Such a reconcile waits instead. Entries of versions go as soon as the cache shows any other
// version; times stay until the workspace is gone.
type statusWrites struct {
	mu   sync.Mutex
	from map[types.NamespacedName]string
	at   map[types.NamespacedName]time.Time
}

// record notes that the status of key was patched from resourceVersion rv at now.
func (s *statusWrites) record(key types.NamespacedName, rv string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.from == nil {
		s.from, s.at = map[types.NamespacedName]string{}, map[types.NamespacedName]time.Time{}
	}
	s.from[key], s.at[key] = rv, now
}

// wait is how long progress of key must wait before it is written, at now: the rest of
// progressInterval since the last write; 0 when this process has not written it.
func (s *statusWrites) wait(key types.NamespacedName, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.at[key]
	if !ok {
		return 0
	}
	return max(0, progressInterval-now.Sub(last))
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
	delete(s.at, key)
}
