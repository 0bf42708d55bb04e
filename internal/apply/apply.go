// Package apply prepares desired objects for server-side apply and decides, without asking the
// API server, whether an object is already as desired. Even a no-op apply is a write request;
// skipping it is what lets a fleet of a thousand settled workspaces resync with zero writes.
package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

// Prepare turns a rendered object into the unstructured document that is applied: status,
// server-owned metadata and nil values are dropped, and the hash of the result is recorded in
// an annotation.
func Prepare(obj client.Object) (*unstructured.Unstructured, error) {
	if obj.GetObjectKind().GroupVersionKind().Kind == "" {
		return nil, fmt.Errorf("rendered %T %q has no apiVersion/kind", obj, obj.GetName())
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T %q: %w", obj, obj.GetName(), err)
	}
	delete(content, "status")
	if md, ok := content["metadata"].(map[string]any); ok {
		for _, f := range []string{"creationTimestamp", "resourceVersion", "uid", "generation", "managedFields"} {
			delete(md, f)
		}
	}
	pruned, _ := dropNil(content).(map[string]any)
	u := &unstructured.Unstructured{Object: pruned}

	sum, err := hash(u.Object)
	if err != nil {
		return nil, err
	}
	annotations := u.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[ownership.HashAnnotation] = sum
	u.SetAnnotations(annotations)
	return u, nil
}

// UpToDate reports whether observed already is what desired (from Prepare) asks for: it was
// last applied from the same desired document and nobody has changed a field the operator
// sets since. Fields others set, and defaults the API server adds, do not matter.
func UpToDate(desired *unstructured.Unstructured, observed client.Object) (bool, error) {
	if observed.GetAnnotations()[ownership.HashAnnotation] != desired.GetAnnotations()[ownership.HashAnnotation] {
		return false, nil
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(observed)
	if err != nil {
		return false, fmt.Errorf("converting observed %T %q: %w", observed, observed.GetName(), err)
	}
	want := desired.DeepCopy().Object
	delete(want, "apiVersion")
	delete(want, "kind")
	return subset(want, content), nil
}

// subset reports whether every value in want is present and equal in have. Lists must have
// the same length and match element by element. An empty map or list the API server did not
// keep counts as present: typed objects carry such empty values (resources: {}) that mean
// nothing.
func subset(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			hv, present := h[k]
			if !present {
				if isEmpty(wv) {
					continue
				}
				return false
			}
			if !subset(wv, hv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], h[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, have)
	}
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// dropNil removes nil values (unset pointers, null timestamps), which would otherwise make
// the operator claim fields it does not set.
func dropNil(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if p := dropNil(val); p != nil {
				out[k] = p
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, val := range t {
			if p := dropNil(val); p != nil {
				out = append(out, p)
			}
		}
		return out
	default:
		return v
	}
}

func hash(obj map[string]any) (string, error) {
	// encoding/json sorts map keys, so equal documents always hash equally.
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
