package gaiax

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// memoSize bounds the published documents kept: one legal participant per platform and one
// offering per workspace, about 3 KiB each. Past it the least recently used one is rendered
// again when next asked for.
const memoSize = 4096

// published remembers finished credentials by the digest of what they were made from.
// Canonicalising (URDNA2015) and signing a credential takes milliseconds; the operator asks
// for the same documents on every reconcile of every workspace, and they change only when
// their content, issuance date or signing key does. The result is a pure function of the key,
// so the memo changes how fast, never what, Documents returns.
var published = newMemo(memoSize)

// loireSignatures remembers recently signed Loire documents. It is small: the provider's
// documents, the same for every workspace of a platform and asked for by each, stay in it,
// while a workspace's own are signed again when it is rendered again (a PS256 signature takes
// 0.8 ms, BenchmarkSign), which a settled workspace is not. Keeping a thousand workspaces'
// presentations would cost 30 MB; the 256 entries it once kept held about 6 MB of documents
// no one asked for again (heap profile of make bench at N=300).
var loireSignatures = newMemo(32)

// presentationDigests remembers each workspace's presentation digest (about 100 bytes) by
// what the presentation is made from, for status.
var presentationDigests = newMemo(memoSize)

type memo struct {
	mu      sync.Mutex
	max     int
	order   *list.List // of *memoEntry, most recently used first
	entries map[[sha256.Size]byte]*list.Element
}

type memoEntry struct {
	key   [sha256.Size]byte
	value []byte
}

func newMemo(size int) *memo {
	return &memo{max: size, order: list.New(), entries: map[[sha256.Size]byte]*list.Element{}}
}

// memoKey is the digest of its parts, each length-prefixed so that no two different lists
// of parts share a key.
func memoKey(parts ...[]byte) [sha256.Size]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(p))))
		h.Write(p)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

func (m *memo) get(k [sha256.Size]byte) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	if !ok {
		return nil, false
	}
	m.order.MoveToFront(e)
	return e.Value.(*memoEntry).value, true
}

func (m *memo) put(k [sha256.Size]byte, v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[k]; ok {
		m.order.MoveToFront(e)
		return
	}
	m.entries[k] = m.order.PushFront(&memoEntry{key: k, value: v})
	for m.order.Len() > m.max {
		oldest := m.order.Back()
		m.order.Remove(oldest)
		delete(m.entries, oldest.Value.(*memoEntry).key)
	}
}

func (m *memo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
