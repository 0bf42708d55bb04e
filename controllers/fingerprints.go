package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// fingerprints remembers, per workspace and object, the fingerprint (apply.Fingerprint) the
// operator's last apply of a desired document left, or that it verified: the cache holds its
// objects stripped to what it reads, so "is this object still as applied" is answered by
// comparing the cached fingerprint with this one. After a restart the memory is empty; the
// workspace's status.objectsFingerprint, a digest of these, then vouches for the cache.
type fingerprints struct {
	mu    sync.Mutex
	known map[types.NamespacedName]map[string]known
}

// known is what one object's fingerprint was when it was last known to be as desired.
type known struct {
	desiredHash, fingerprint string
}

// matches reports whether the object key of workspace ws with cached fingerprint fp is as
// the desired document with desiredHash asks, as far as the operator knows (ok false: it
// does not know).
func (f *fingerprints) matches(ws types.NamespacedName, key, desiredHash, fp string) (match, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.known[ws][key]
	if !ok || k.desiredHash != desiredHash {
		return false, false
	}
	return k.fingerprint == fp, true
}

// record notes that the object key of ws is as desiredHash asks while its fingerprint is fp.
func (f *fingerprints) record(ws types.NamespacedName, key, desiredHash, fp string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.known == nil {
		f.known = map[types.NamespacedName]map[string]known{}
	}
	if f.known[ws] == nil {
		f.known[ws] = map[string]known{}
	}
	f.known[ws][key] = known{desiredHash, fp}
}

// digest is the digest of what is known of the objects keys of ws, for the workspace's
// status; "" unless every one of them is known.
func (f *fingerprints) digest(ws types.NamespacedName, keys []string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries := map[string]known{}
	for _, key := range keys {
		k, ok := f.known[ws][key]
		if !ok {
			return ""
		}
		entries[key] = k
	}
	return digestOf(entries)
}

// retain forgets every object of ws but keys (those no longer desired are pruned).
func (f *fingerprints) retain(ws types.NamespacedName, keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for key := range f.known[ws] {
		if !slices.Contains(keys, key) {
			delete(f.known[ws], key)
		}
	}
}

// forget drops a workspace that is gone.
func (f *fingerprints) forget(ws types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.known, ws)
}

// digestOf is the digest of objects' fingerprints, in key order: equal sets give equal
// digests, and any object applied anew, changed by someone else or missing gives another.
func digestOf(entries map[string]known) string {
	h := sha256.New()
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		e := entries[key]
		h.Write([]byte(strings.Join([]string{key, e.desiredHash, e.fingerprint}, " ") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
