package apply

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// FingerprintAnnotation carries, on the operator's cached copy of an object only, the
// Fingerprint of the object as the API server held it before the cache stripped it. It is
// never written to the cluster.
const FingerprintAnnotation = "rathaus.io/fingerprint"

// Fingerprint is a digest of everything about obj that a write changes: its whole content but
// status, its type (the cache drops it) and the metadata the API server keeps by itself
// (resourceVersion, generation, uid, managed fields, creation time), and of its labels and
// annotations only those the operator applies, as its managed fields say: a controller that
// annotates an object (the deployment controller's revision) has not changed what the
// operator asked for, nor has the binder that names a claim's volume (typedFingerprint;
// claims are always typed). An object whose
// fingerprint is what the operator's last apply of it left is as the operator applied it,
// whatever the object held.
//
// The same object gives the same fingerprint whether it comes typed from the cache or as the
// response of an apply, converted to its type first (FingerprintOf).
func Fingerprint(obj runtime.Object) (string, error) {
	if fp, ok, err := typedFingerprint(obj); ok || err != nil {
		return fp, err
	}
	return contentFingerprint(obj)
}

// contentFingerprint is Fingerprint of any object, through its unstructured content: the way
// for kinds of other operators, which the cache and an apply's response both hold
// unstructured.
func contentFingerprint(obj runtime.Object) (string, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return "", fmt.Errorf("fingerprinting %T: %w", obj, err)
	}
	// A typed object from the cache carries no apiVersion and kind; an apply's response does.
	for _, f := range []string{"status", "apiVersion", "kind"} {
		delete(content, f)
	}
	md, _ := content["metadata"].(map[string]any)
	if md != nil {
		owned := ownedMetadataKeys(md["managedFields"])
		for _, f := range []string{"resourceVersion", "generation", "uid", "managedFields", "creationTimestamp", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"} {
			delete(md, f)
		}
		for _, field := range []string{"labels", "annotations"} {
			m, _ := md[field].(map[string]any)
			for k := range m {
				if k == FingerprintAnnotation || owned != nil && !owned[field][k] {
					delete(m, k)
				}
			}
		}
	}
	return hash(dropNil(content).(map[string]any))
}

// FingerprintOf fingerprints an object read as unstructured (an apply's response) as the
// cache would hold it: converted to its type where scheme knows the kind.
func FingerprintOf(scheme *runtime.Scheme, u runtime.Unstructured) (string, error) {
	gvk := u.(runtime.Object).GetObjectKind().GroupVersionKind()
	typed, err := scheme.New(gvk)
	if err != nil {
		return Fingerprint(u.(runtime.Object))
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), typed); err != nil {
		return "", err
	}
	typed.GetObjectKind().SetGroupVersionKind(gvk)
	return Fingerprint(typed)
}

// ownedMetadataKeys are the label and annotation keys the operator's field manager applied,
// from managed fields as unstructured content; nil when the operator has no entry (then every
// key counts).
func ownedMetadataKeys(managedFields any) map[string]map[string]bool {
	raw, _ := managedFields.([]any)
	entries := make([]metav1.ManagedFieldsEntry, 0, len(raw))
	for _, e := range raw {
		var entry metav1.ManagedFieldsEntry
		if m, ok := e.(map[string]any); ok && runtime.DefaultUnstructuredConverter.FromUnstructured(m, &entry) == nil {
			entries = append(entries, entry)
		}
	}
	return ownedKeys(entries)
}
