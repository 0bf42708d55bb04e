package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

// generatedMarshaler is the binary encoding the Kubernetes API types' generated code gives
// them: deterministic, with map keys sorted (k8s.io/api's generated.pb.go).
type generatedMarshaler interface {
	Marshal() ([]byte, error)
}

// typedFingerprint is Fingerprint of a Kubernetes API type: the same selection of content as
// contentFingerprint, encoded by the type's generated marshaller instead of through
// unstructured maps and JSON. The cache fingerprints every trimmed object it receives, a
// hundred thousand at a thousand workspaces, while the operator starts; this way costs a
// fraction (BenchmarkFingerprint). ok is false for types without that encoding.
func typedFingerprint(obj runtime.Object) (fp string, ok bool, err error) {
	b, ok, err := generatedEncoding(obj, func(cp reflect.Value, m metav1.Object) {
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
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), true, nil
}

// ContentEncoding is obj, without its type, resource version and managed fields, as the
// generated code of its Kubernetes API type encodes it: deterministic, and several times
// cheaper than JSON (what a restarted operator digests of every object it observes,
// desired.DurableInputsDigest). ok is false for types without that encoding.
func ContentEncoding(obj runtime.Object) (b []byte, ok bool, err error) {
	return generatedEncoding(obj, func(_ reflect.Value, m metav1.Object) {
		m.SetResourceVersion("")
		m.SetManagedFields(nil)
	})
}

// generatedEncoding is the generated encoding of a shallow copy of obj after edit changed the
// copy (the struct and its metadata); ok is false for types without one. The copy's type is
// cleared. edit must replace, never write into, what the copy shares with obj.
func generatedEncoding(obj runtime.Object, edit func(cp reflect.Value, m metav1.Object)) (b []byte, ok bool, err error) {
	if _, generated := obj.(generatedMarshaler); !generated {
		return nil, false, nil
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false, nil
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	c := cp.Interface()
	m, isMeta := c.(metav1.Object)
	if !isMeta {
		return nil, false, nil
	}
	c.(runtime.Object).GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	edit(cp.Elem(), m)
	b, err = c.(generatedMarshaler).Marshal()
	return b, true, err
}

// ownedOnly is a new map of the entries of m that the operator applies (owned[field]; every
// entry when owned is nil), without the cache's own annotation.
func ownedOnly(m map[string]string, owned map[string]map[string]bool, field string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != FingerprintAnnotation && (owned == nil || owned[field][k]) {
			out[k] = v
		}
	}
	return out
}

// ownedKeys are the label and annotation keys the operator's field manager applied, as its
// managed fields entry says; nil when it has none (then every key counts).
func ownedKeys(entries []metav1.ManagedFieldsEntry) map[string]map[string]bool {
	for _, entry := range entries {
		if entry.Manager != ownership.FieldOwner || entry.Operation != metav1.ManagedFieldsOperationApply || entry.Subresource != "" || entry.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Labels      map[string]json.RawMessage `json:"f:labels"`
				Annotations map[string]json.RawMessage `json:"f:annotations"`
			} `json:"f:metadata"`
		}
		if json.Unmarshal(entry.FieldsV1.Raw, &fields) != nil {
			return nil
		}
		return map[string]map[string]bool{"labels": fieldKeys(fields.Metadata.Labels), "annotations": fieldKeys(fields.Metadata.Annotations)}
	}
	return nil
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
