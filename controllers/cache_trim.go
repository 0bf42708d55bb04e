package controllers

import (
	"crypto/sha256"
	"io"
	"maps"
	"slices"
	"sync"
	"unique"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/apply"
)

// trimForCache is the cache's transform of the operator's own objects. Of most kinds the
// operator reads only metadata and a few fields of the status (health, prune, status
// reports); their content (pod templates, policies, configuration files) is most of an
// object and of the operator's memory, and was kept only to tell whether an object is still
// as applied. The cache keeps instead a record (cachedRecord) with its fingerprint
// (apply.Fingerprint, taken before anything is dropped) and what the operator does read.
// Kinds whose content the operator reads whole (service accounts, namespaces, other
// operators' objects) are kept whole, without their managed fields.
func trimForCache(obj any) (any, error) {
	// client-go may pass an object through the transform again (a resync, a relist after the
	// API server was away); it must stay what the first pass made of it.
	if _, done := obj.(*cachedRecord); done {
		return obj, nil
	}
	o, ok := obj.(client.Object)
	if !ok {
		return obj, nil
	}
	if kept, ok := keptOf(o); ok {
		if fp, err := apply.Fingerprint(o); err == nil {
			return newRecord(o, fp, kept), nil
		}
	} else if keptWhole(o) {
		shareMeta(o)
	}
	o.SetManagedFields(nil)
	return o, nil
}

// keptWhole reports whether the cache keeps objects like o whole because the operator reads
// their content: service accounts and namespaces, a few per workspace.
func keptWhole(o client.Object) bool {
	switch o.(type) {
	case *corev1.ServiceAccount, *corev1.Namespace:
		return true
	}
	return false
}

// shareMeta makes an object the cache keeps whole hold what its metadata has in common with
// the workspace's other objects once for all of them: its labels, the same few for every
// object of a component, and its owner reference, the workspace's for all of them. The
// metadata reads the same (apply.UpToDate still compares it with the desired object); at a
// thousand workspaces their copies were about a fifth of the heap (Services and claims were
// then kept whole too).
func shareMeta(o client.Object) {
	o.SetNamespace(unique.Make(o.GetNamespace()).Value())
	if labels := o.GetLabels(); len(labels) > 0 {
		o.SetLabels(sharedLabels(labels, nil))
	}
	if refs := o.GetOwnerReferences(); len(refs) == 1 {
		o.SetOwnerReferences(sharedOwnerReference(refs[0]))
	}
}

// ownerReferenceKey is an owner reference as a comparable value.
type ownerReferenceKey struct {
	apiVersion, kind, name string
	uid                    types.UID
	controller, block      int8 // 0 unset, 1 false, 2 true
}

// ownerReferences holds one single-entry slice per distinct owner reference of objects kept
// whole: about one per workspace.
var ownerReferences sync.Map // ownerReferenceKey -> []metav1.OwnerReference

func sharedOwnerReference(ref metav1.OwnerReference) []metav1.OwnerReference {
	tri := func(b *bool) int8 {
		switch {
		case b == nil:
			return 0
		case *b:
			return 2
		}
		return 1
	}
	key := ownerReferenceKey{ref.APIVersion, ref.Kind, ref.Name, ref.UID, tri(ref.Controller), tri(ref.BlockOwnerDeletion)}
	if refs, ok := ownerReferences.Load(key); ok {
		return refs.([]metav1.OwnerReference)
	}
	refs, _ := ownerReferences.LoadOrStore(key, []metav1.OwnerReference{ref})
	return refs.([]metav1.OwnerReference)
}

// trimmable reports whether the cache trims objects like o (keptOf).
func trimmable(o client.Object) bool {
	_, ok := keptOf(o)
	return ok
}

// labelSets holds one map per distinct set of cached labels, keyed by the digest of the labels
// in canonical form: a few per component of a workspace (trimmed and whole objects, with and
// without the data label), where the cache holds a hundred objects per workspace. An entry
// outlives its workspace. With the canonical form itself as the key they were 18 MB at a
// thousand workspaces, a third of it the keys (docs/performance.md).
var labelSets sync.Map // [sha256.Size]byte -> map[string]string

// sharedLabels returns the labels of all named in only (all of them when only is nil), with
// interned keys and values, as a map shared by every cached object with the same ones. No
// one writes to it: readers get deep copies, or read the cache's own objects without writing
// (owned, TestRenderingLeavesObservedObjectsAlone).
func sharedLabels(all map[string]string, only []string) map[string]string {
	keys := only
	if keys == nil {
		keys = slices.Sorted(maps.Keys(all))
	}
	// Label keys and values cannot hold a NUL, so it separates them.
	digest, nul := sha256.New(), []byte{0}
	for _, k := range keys {
		if v, ok := all[k]; ok {
			_, _ = io.WriteString(digest, k)
			_, _ = digest.Write(nul)
			_, _ = io.WriteString(digest, v)
			_, _ = digest.Write(nul)
		}
	}
	var key [sha256.Size]byte
	digest.Sum(key[:0])
	if m, ok := labelSets.Load(key); ok {
		return m.(map[string]string)
	}
	labels := make(map[string]string, len(keys))
	for _, k := range keys {
		if v, ok := all[k]; ok {
			labels[unique.Make(k).Value()] = unique.Make(v).Value()
		}
	}
	m, _ := labelSets.LoadOrStore(key, labels)
	return m.(map[string]string)
}

// trimmedKinds remembers trimmedKind's answer per kind: it is asked for every desired object
// of every reconcile.
var trimmedKinds sync.Map

// trimmedKind reports whether the cache trims objects of gvk, whose fingerprints the
// operator must therefore remember when it applies them.
func trimmedKind(scheme *runtime.Scheme, gvk schema.GroupVersionKind) bool {
	if known, ok := trimmedKinds.Load(gvk); ok {
		return known.(bool)
	}
	obj, err := scheme.New(gvk)
	o, ok := obj.(client.Object)
	trimmed := err == nil && ok && trimmable(o)
	trimmedKinds.Store(gvk, trimmed)
	return trimmed
}
