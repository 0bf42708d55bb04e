// Package stack holds what every renderer of a workspace's stack shares: the inputs it is
// rendered from and the metadata every rendered object carries.
package stack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/inventory"
)

// Inputs is everything a workspace's desired state is computed from. Renderers must not look
// anywhere else (no clock, no randomness, no client), so the same inputs give the same objects.
type Inputs struct {
	Workspace *rathausv1alpha1.MunicipalityWorkspace
	Platform  *rathausv1alpha1.WorkspacePlatform
	Release   *rathausv1alpha1.StackRelease
	// Hosts are the DNS names the workspace holds (its domain and enabled services' hosts).
	Hosts []string
}

// Component renders one part of a workspace's stack.
type Component interface {
	// Name is the component's name, used in labels and messages.
	Name() string
	// Render returns the component's desired objects. An error means the inputs cannot be
	// rendered (bad input the user must fix), never a transient problem.
	Render(in Inputs) ([]client.Object, error)
}

// Meta returns the metadata of a workspace object: namespace, inventory labels and the
// workspace as controlling owner, so Kubernetes garbage-collects it with the workspace.
func Meta(in Inputs, component, name string) metav1.ObjectMeta {
	ws := in.Workspace
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: ws.Namespace,
		Labels:    inventory.Labels(ws.Name, component),
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion:         rathausv1alpha1.GroupVersion.String(),
			Kind:               "MunicipalityWorkspace",
			Name:               ws.Name,
			UID:                ws.UID,
			Controller:         ptr.To(true),
			BlockOwnerDeletion: ptr.To(true),
		}},
	}
}

// DataMeta returns the metadata of an object that holds the municipality's data (a volume, a
// generated credential). It has no owner reference, so deleting the workspace never
// garbage-collects it; only deletionPolicy Delete removes it.
func DataMeta(in Inputs, component, name string) metav1.ObjectMeta {
	m := Meta(in, component, name)
	m.OwnerReferences = nil
	m.Labels[inventory.DataLabel] = "true"
	return m
}

// Service is a component users reach at an address. Only services contribute endpoints to the
// workspace's status, and only while they are enabled.
type Service interface {
	Component
	// Endpoint returns where users reach the service, and whether it is enabled.
	Endpoint(ws *rathausv1alpha1.MunicipalityWorkspace) (rathausv1alpha1.Endpoint, bool)
}
