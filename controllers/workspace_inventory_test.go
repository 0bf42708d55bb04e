package controllers

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// autoscaled is a registered part that creates a kind no built-in component creates, of the
// scheme (HorizontalPodAutoscaler) and of another project (a KEDA ScaledObject).
type autoscaled struct{}

var scaledObjectKind = schema.GroupVersionKind{Group: "keda.sh", Version: "v1alpha1", Kind: "ScaledObject"}

func (autoscaled) Name() string                                 { return "autoscaled" }
func (autoscaled) Render(stack.Inputs) ([]client.Object, error) { return nil, nil }
func (autoscaled) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}, scaledObjectKind, kit.DeploymentKind}
}

// TestInventoryFollowsTheRegistry: what the operator watches, prunes and deletes is what the
// registered components declare, the scheme's kinds in prune order (workloads before what
// they use) and other projects' kinds apart.
func TestInventoryFollowsTheRegistry(t *testing.T) {
	builtIn := inventoryOf(desired.Components, Scheme())
	if len(builtIn.managed) < 10 || len(builtIn.foreign) < 3 {
		t.Fatalf("inventory of the built-in components: %d managed, %d foreign kinds", len(builtIn.managed), len(builtIn.foreign))
	}
	rank := func(kind string) int {
		return slices.IndexFunc(builtIn.managed, func(g schema.GroupVersionKind) bool { return g.Kind == kind })
	}
	for _, pair := range [][2]string{{"Deployment", "Service"}, {"StatefulSet", "PersistentVolumeClaim"}, {"Job", "Secret"}, {"RoleBinding", "Role"}, {"NetworkPolicy", "ResourceQuota"}} {
		if rank(pair[0]) < 0 || rank(pair[1]) < 0 || rank(pair[0]) > rank(pair[1]) {
			t.Errorf("%s must be pruned before %s: %v", pair[0], pair[1], builtIn.managed)
		}
	}
	for _, gvk := range builtIn.managed {
		if _, err := builtIn.list(Scheme(), gvk); err != nil {
			t.Errorf("no list type for %s: %v", gvk, err)
		}
	}

	registered := inventoryOf(desired.With(desired.Components, autoscaled{}), Scheme())
	hpa := schema.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}
	if !slices.Contains(registered.managed, hpa) || slices.Contains(builtIn.managed, hpa) {
		t.Errorf("the HorizontalPodAutoscaler kind must be managed exactly when a component declares it")
	}
	if !slices.Contains(registered.foreign, scaledObjectKind) || slices.Contains(registered.managed, scaledObjectKind) {
		t.Errorf("a kind the scheme does not know must be foreign: it is not watched, its CRD may be missing")
	}
	if len(registered.managed) != len(builtIn.managed)+1 {
		t.Errorf("Deployment, declared twice, must be listed once: %v", registered.managed)
	}
}
