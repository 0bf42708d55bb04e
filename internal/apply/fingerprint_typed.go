package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

// generatedMarshaler is the binary encoding the Kubernetes API types' generated code gives
// them: deterministic, with map keys sorted (k8s.io/api's generated.pb.go).
type generatedMarshaler interface {
	Size() int
	MarshalToSizedBuffer(dAtA []byte) (int, error)
}

// encodingBuffers hold the buffers fingerprints are encoded into and hashed from: a starting
// operator fingerprints a hundred thousand objects, and a buffer each was a tenth of what it
// allocated while its cache filled.
var encodingBuffers = sync.Pool{New: func() any { return new([]byte) }}

// typedFingerprint is Fingerprint of a Kubernetes API type: the same selection of content as
// contentFingerprint, encoded by the type's generated marshaller instead of through
// unstructured maps and JSON. The cache fingerprints every trimmed object it receives, a
// hundred thousand at a thousand workspaces, while the operator starts; this way costs a
// fraction (BenchmarkFingerprint). ok is false for types without that encoding.
func typedFingerprint(obj runtime.Object) (fp string, ok bool, err error) {
	buf := encodingBuffers.Get().(*[]byte)
	defer encodingBuffers.Put(buf)
	b, ok, err := generatedEncoding(obj, *buf, func(cp reflect.Value, m metav1.Object) {
		if status := cp.FieldByName("Status"); status.IsValid() && status.CanSet() {
			status.SetZero()
		}
		owned := ownedKeys(m.GetManagedFields())
		m.SetResourceVersion("")
		m.SetGeneration(0)
		m.SetUID("")
		m.SetManagedFields(nil)
		m.SetCreationTimestamp(metav1.Time{})
		m.SetSelfLink("")
		m.SetDeletionTimestamp(nil)
		m.SetDeletionGracePeriodSeconds(nil)
		m.SetLabels(ownedOnly(m.GetLabels(), owned, "labels"))
		m.SetAnnotations(ownedOnly(m.GetAnnotations(), owned, "annotations"))
		if claim, ok := cp.Addr().Interface().(*corev1.PersistentVolumeClaim); ok {
			// The binder names the volume once it is bound; no write of the operator's sets it,
			// and the claim is still as the operator applied it.
			claim.Spec.VolumeName = ""
		}
	})
	if !ok || err != nil {
		return "", ok, err
	}
	*buf = b
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), true, nil
}

// ContentEncoding is obj, without its type, resource version and managed fields, as the
// generated code of its Kubernetes API type encodes it: deterministic, and several times
// cheaper than JSON (what a restarted operator digests of every object it observes,
// desired.DurableInputsDigest). ok is false for types without that encoding.
func ContentEncoding(obj runtime.Object) (b []byte, ok bool, err error) {
	return generatedEncoding(obj, nil, func(_ reflect.Value, m metav1.Object) {
		m.SetResourceVersion("")
		m.SetManagedFields(nil)
	})
}

// generatedEncoding is the generated encoding of a shallow copy of obj after edit changed the
// copy (the struct and its metadata), in buf when it is large enough; ok is false for types
// without one. The copy's type is cleared. edit must replace, never write into, what the copy
// shares with obj.
func generatedEncoding(obj runtime.Object, buf []byte, edit func(cp reflect.Value, m metav1.Object)) (b []byte, ok bool, err error) {
	if _, generated := obj.(generatedMarshaler); !generated {
		return nil, false, nil
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false, nil
	}
	cp := shallowCopies.get(v.Elem().Type())
	defer shallowCopies.put(cp)
	cp.Elem().Set(v.Elem())
	c := cp.Interface()
	m, isMeta := c.(metav1.Object)
	if !isMeta {
		return nil, false, nil
	}
	c.(runtime.Object).GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	edit(cp.Elem(), m)
	marshaler := c.(generatedMarshaler)
	size := marshaler.Size()
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	n, err := marshaler.MarshalToSizedBuffer(buf[:size])
	return buf[size-n : size], true, err
}

// copyPools keeps, per type, the structs generatedEncoding copies objects into: a Deployment's is
// over a kilobyte, and a starting operator encodes a hundred thousand objects.
type copyPools struct{ byType sync.Map } // reflect.Type -> *sync.Pool of pointers to it

var shallowCopies copyPools

func (p *copyPools) get(t reflect.Type) reflect.Value {
	pool, ok := p.byType.Load(t)
	if !ok {
		pool, _ = p.byType.LoadOrStore(t, &sync.Pool{New: func() any { return reflect.New(t).Interface() }})
	}
	return reflect.ValueOf(pool.(*sync.Pool).Get())
}

// put zeroes cp, so that the pool holds on to nothing of the object copied into it.
func (p *copyPools) put(cp reflect.Value) {
	cp.Elem().SetZero()
	if pool, ok := p.byType.Load(cp.Elem().Type()); ok {
		pool.(*sync.Pool).Put(cp.Interface())
	}
}

// ownedOnly is the entries of m that the operator applies (owned[field]; every entry when
// owned is nil), without the cache's own annotation: m itself when that is all of them (it is
// only read), else a new map.
func ownedOnly(m map[string]string, owned map[string]map[string]bool, field string) map[string]string {
	kept := func(k string) bool { return k != FingerprintAnnotation && (owned == nil || owned[field][k]) }
	all := true
	for k := range m {
		all = all && kept(k)
	}
	if all {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if kept(k) {
			out[k] = v
		}
	}
	return out
}

// ownedKeys are the label and annotation keys the operator's field manager applied, as its
// managed fields entry says; nil when it has none (then every key counts). The maps are
// shared (ownedKeysOf) and only read.
func ownedKeys(entries []metav1.ManagedFieldsEntry) map[string]map[string]bool {
	for _, entry := range entries {
		if entry.Manager != ownership.FieldOwner || entry.Operation != metav1.ManagedFieldsOperationApply || entry.Subresource != "" || entry.FieldsV1 == nil {
			continue
		}
		return ownedKeysOf(entry.FieldsV1.Raw)
	}
	return nil
}

// parsedEntries remembers ownedKeysOf's answer per managed fields entry, by its digest. An
// entry names fields and keys, not values, so the objects of one kind and component have the
// same entry in every workspace: a cache filled with a hundred thousand objects parses a few
// hundred. Entries past maxParsedEntries are parsed each time instead.
var (
	parsedEntries    sync.Map // [sha256.Size]byte -> map[string]map[string]bool
	parsedEntryCount atomic.Int64
	maxParsedEntries = int64(4096)
)

func ownedKeysOf(raw []byte) map[string]map[string]bool {
	key := sha256.Sum256(raw)
	if owned, ok := parsedEntries.Load(key); ok {
		return owned.(map[string]map[string]bool)
	}
	owned := parseOwnedKeys(raw)
	if parsedEntryCount.Add(1) <= maxParsedEntries {
		parsedEntries.Store(key, owned)
	}
	return owned
}

func parseOwnedKeys(raw []byte) map[string]map[string]bool {
	var fields struct {
		Metadata struct {
			Labels      map[string]json.RawMessage `json:"f:labels"`
			Annotations map[string]json.RawMessage `json:"f:annotations"`
		} `json:"f:metadata"`
	}
	if json.Unmarshal(raw, &fields) != nil {
		return nil
	}
	return map[string]map[string]bool{"labels": fieldKeys(fields.Metadata.Labels), "annotations": fieldKeys(fields.Metadata.Annotations)}
}

func fieldKeys(fields map[string]json.RawMessage) map[string]bool {
	out := map[string]bool{}
	for k := range fields {
		if key, ok := strings.CutPrefix(k, "f:"); ok {
			out[key] = true
		}
	}
	return out
}
