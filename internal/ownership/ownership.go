// Package ownership defines how rathaus marks the objects it manages, so that it can find them
// again (cache selection, mapping events to workspaces, pruning) without guessing.
package ownership

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// FieldOwner is the one server-side apply field manager of everything rathaus writes.
	FieldOwner = "rathaus"

	// Finalizer keeps a workspace until its stack has been cleaned up per its deletion policy.
	Finalizer = "rathaus.io/finalizer"

	// ManagedByLabel marks every object rathaus manages; the operator's cache selects on it.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is ManagedByLabel's value.
	ManagedByValue = "rathaus"
	// PartOfLabel groups all objects of one workspace for humans and dashboards.
	PartOfLabel = "app.kubernetes.io/part-of"
	// ComponentLabel names the piece of the stack an object belongs to (baseline, files, ...).
	ComponentLabel = "app.kubernetes.io/component"
	// WorkspaceLabel holds the name of the owning MunicipalityWorkspace (in the same namespace).
	WorkspaceLabel = "rathaus.io/workspace"
	// DataLabel marks objects that hold a municipality's data (volumes, generated credentials):
	// they are deleted only when the workspace's deletion policy is Delete.
	DataLabel = "rathaus.io/data"

	// HashAnnotation records a hash of the applied desired object, so that an unchanged object
	// is not applied again (a no-op apply is still a write request).
	HashAnnotation = "rathaus.io/desired-hash"
)

// ManagedSelector selects every object rathaus manages.
func ManagedSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{ManagedByLabel: ManagedByValue})
}

// WorkspaceSelector selects the objects of one workspace.
func WorkspaceSelector(workspace string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{ManagedByLabel: ManagedByValue, WorkspaceLabel: workspace})
}

// Labels are the inventory labels of an object of a workspace's component.
func Labels(workspace, component string) map[string]string {
	return map[string]string{
		ManagedByLabel: ManagedByValue,
		PartOfLabel:    "rathaus",
		ComponentLabel: component,
		WorkspaceLabel: workspace,
	}
}

// IsData reports whether obj holds data that only deletionPolicy Delete may remove.
func IsData(obj client.Object) bool {
	return obj.GetLabels()[DataLabel] == "true"
}

// WorkspaceOf returns the workspace an object belongs to, or "" when it carries no inventory label.
func WorkspaceOf(obj client.Object) string {
	if obj.GetLabels()[ManagedByLabel] != ManagedByValue {
		return ""
	}
	return obj.GetLabels()[WorkspaceLabel]
}

// ControlledByAnother reports whether another controller made obj: its controller reference
// names an object that is not a MunicipalityWorkspace. Such an object may still carry a
// workspace's inventory labels, because its controller copied them from its owner:
// cert-manager's ingress-shim gives the Certificate of an Ingress's TLS entry the Ingress's
// labels (pkg/controller/certificate-shim/sync.go, buildCertificates). It is its controller's
// to keep or delete, never the workspace's: pruning it would make the shim recreate it, and
// with cert-manager's --enable-certificate-owner-ref take the TLS Secret with it.
func ControlledByAnother(obj client.Object) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return ref.Kind != "MunicipalityWorkspace" || !strings.HasPrefix(ref.APIVersion, "rathaus.io/")
		}
	}
	return false
}
