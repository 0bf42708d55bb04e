// Package desired computes the complete desired state of a workspace from its inputs: the
// objects of every component, prepared for server-side apply.
package desired

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// Components are the parts of every workspace's stack, in the order they are applied. A new
// service registers itself here and nowhere else.
var Components = []stack.Component{
	tenant.Baseline{},
}

// InvalidInputError means the workspace or platform cannot be rendered; the message is for
// the workspace's admins.
type InvalidInputError struct {
	Component string
	Err       error
}

func (e *InvalidInputError) Error() string { return e.Component + ": " + e.Err.Error() }
func (e *InvalidInputError) Unwrap() error { return e.Err }

// State renders every component and returns the objects to apply, in apply order. Two objects
// of the same kind, namespace and name are a programming error and reported as such.
func State(in stack.Inputs, components []stack.Component) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	seen := map[string]string{}
	for _, c := range components {
		objs, err := c.Render(in)
		if err != nil {
			return nil, &InvalidInputError{Component: c.Name(), Err: err}
		}
		for _, obj := range objs {
			u, err := apply.Prepare(obj)
			if err != nil {
				return nil, fmt.Errorf("component %s: %w", c.Name(), err)
			}
			key := Key(u)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("components %s and %s both render %s", prev, c.Name(), key)
			}
			seen[key] = c.Name()
			out = append(out, u)
		}
	}
	return out, nil
}

// Key identifies an object by kind, namespace and name, e.g. "NetworkPolicy/kiel/rathaus-default-deny".
func Key(u interface {
	GetKind() string
	GetNamespace() string
	GetName() string
}) string {
	return strings.Join([]string{u.GetKind(), u.GetNamespace(), u.GetName()}, "/")
}

// Keys returns the sorted keys of objs.
func Keys(objs []*unstructured.Unstructured) []string {
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, Key(o))
	}
	slices.Sort(keys)
	return keys
}
