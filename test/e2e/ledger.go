package e2e

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// ledger remembers, from the first time the campaign saw it, every object holding a
// municipality's data (label rathaus.io/data=true: claims and generated credentials), and
// records every way it was lost or changed afterwards. It is fed by watches and by lists and
// knows nothing of the API server, so its rules are unit-tested.
type ledger struct {
	mu    sync.Mutex
	first map[string]seen
	// issues holds, per object, one message per kind of problem, however often it is seen.
	issues map[string]map[issue]string
	order  []string
}

// seen is an object as first observed.
type seen struct {
	kind string
	uid  types.UID
	// data of a Secret; nil for claims.
	data map[string][]byte
}

type issue string

const (
	issueDeleted  issue = "deleted"
	issueReplaced issue = "replaced"
	issueChanged  issue = "changed"
)

func newLedger() *ledger {
	return &ledger{first: map[string]seen{}, issues: map[string]map[issue]string{}}
}

func ledgerKey(kind, namespace, name string) string { return kind + " " + namespace + "/" + name }

// observe records a state of a data object: the first one is the reference; later ones must
// be the same object (same UID) with every key it had unchanged. Keys added later are
// allowed: the operator completes a Secret whose spec gained a key.
func (l *ledger) observe(kind, namespace, name string, uid types.UID, data map[string][]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(kind, namespace, name)
	ref, ok := l.first[key]
	if !ok {
		l.first[key] = seen{kind: kind, uid: uid, data: clone(data)}
		return
	}
	if ref.uid != uid {
		l.report(key, issueReplaced, fmt.Sprintf("%s was deleted and created again (UID %s, now %s)", key, ref.uid, uid))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(ref.data)) {
		v, present := data[k]
		switch {
		case !present:
			l.report(key, issueChanged, fmt.Sprintf("%s lost key %s", key, k))
		case string(v) != string(ref.data[k]):
			l.report(key, issueChanged, fmt.Sprintf("%s: the value of key %s changed", key, k))
		}
	}
}

// deleted records that a data object went away (a watch's DELETE, or missing from a list).
func (l *ledger) deleted(kind, namespace, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(kind, namespace, name)
	l.report(key, issueDeleted, key+" was deleted")
}

func (l *ledger) report(key string, what issue, msg string) {
	if l.issues[key] == nil {
		l.issues[key] = map[issue]string{}
	}
	if _, ok := l.issues[key][what]; ok {
		return
	}
	l.issues[key][what] = msg
	l.order = append(l.order, msg)
}

// tally returns how many objects of kind the ledger holds, how many of them have no problem
// recorded, and how many were deleted or replaced.
func (l *ledger) tally(kind string) (total, intact, lost int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, s := range l.first {
		if s.kind != kind {
			continue
		}
		total++
		is := l.issues[key]
		if len(is) == 0 {
			intact++
		}
		if is[issueDeleted] != "" || is[issueReplaced] != "" {
			lost++
		}
	}
	return total, intact, lost
}

// problems returns what went wrong so far, in the order it was seen.
func (l *ledger) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.order)
}

func clone(m map[string][]byte) map[string][]byte {
	if m == nil {
		return nil
	}
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// compare checks a full list of the data objects of kind (by ledgerKey, with their UID)
// against what the ledger saw: an object it saw that is missing was deleted, whether or not
// a watch told.
func (l *ledger) compare(kind string, present map[string]types.UID) {
	l.mu.Lock()
	var gone []string
	for key, s := range l.first {
		if s.kind == kind {
			if _, ok := present[key]; !ok {
				gone = append(gone, key)
			}
		}
	}
	l.mu.Unlock()
	slices.Sort(gone)
	for _, key := range gone {
		l.mu.Lock()
		l.report(key, issueDeleted, key+" was deleted")
		l.mu.Unlock()
	}
}
