package dns

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

const (
	ComponentName = "dns"
	// ConfigMapName holds the zone file: kubectl get cm rathaus-dns -o jsonpath='{.data.zone\.txt}'.
	ConfigMapName = "rathaus-dns"
	ZoneFileKey   = "zone.txt"
)

// Component publishes the workspace's records as a zone file in the workspace namespace,
// where the municipality's admins may read it (the status lists the same records). Without
// records (no ingress targets on the platform, no mail) there is no zone file.
type Component struct{}

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.ConfigMapKind}
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	records := in.Records
	if len(records) == 0 {
		return nil, nil
	}
	return []client.Object{&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: kit.Meta(in, ComponentName, ConfigMapName),
		Data:       map[string]string{ZoneFileKey: ZoneFile(in.Workspace.Spec.Domain, records)},
	}}, nil
}
