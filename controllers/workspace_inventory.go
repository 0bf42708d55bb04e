package controllers

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// kindInventory is what the operator creates in workspace namespaces, derived from the
// components' kinds (desired.Kinds). Every object of these kinds that carries a workspace's
// inventory labels belongs to that workspace: it is found for pruning and deletion, and the
// managed kinds are also watched and mapped back to the workspace.
type kindInventory struct {
	// managed are the kinds the scheme knows, in prune order: workloads before what they use.
	managed []schema.GroupVersionKind
	// foreign are kinds of other projects (Gateway API routes, CloudNativePG databases,
	// cert-manager certificates). Their CRDs may be missing, so they are not watched.
	foreign []schema.GroupVersionKind
}

// pruneOrder ranks the kinds the scheme knows: workloads first, so that nothing still runs
// against what is deleted after it. Kinds not listed are pruned before all of them.
var pruneOrder = []string{"Deployment", "StatefulSet", "CronJob", "Job", "PodDisruptionBudget", "Ingress", "Service", "ConfigMap",
	"Secret", "PersistentVolumeClaim", "ServiceAccount", "RoleBinding", "Role", "NetworkPolicy", "LimitRange", "ResourceQuota"}

// inventoryOf sorts the components' kinds into managed and foreign ones.
func inventoryOf(components []stack.Component, scheme *runtime.Scheme) kindInventory {
	var inv kindInventory
	for _, gvk := range desired.Kinds(components) {
		if scheme.Recognizes(gvk) {
			inv.managed = append(inv.managed, gvk)
		} else {
			inv.foreign = append(inv.foreign, gvk)
		}
	}
	slices.SortStableFunc(inv.managed, func(a, b schema.GroupVersionKind) int {
		return slices.Index(pruneOrder, a.Kind) - slices.Index(pruneOrder, b.Kind)
	})
	return inv
}

// object returns an empty object of a managed kind.
func (inv kindInventory) object(scheme *runtime.Scheme, gvk schema.GroupVersionKind) (client.Object, error) {
	o, err := scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	obj, ok := o.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%s is not an object", gvk)
	}
	return obj, nil
}

// list returns an empty list of a managed kind.
func (inv kindInventory) list(scheme *runtime.Scheme, gvk schema.GroupVersionKind) (client.ObjectList, error) {
	o, err := scheme.New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err != nil {
		return nil, err
	}
	list, ok := o.(client.ObjectList)
	if !ok {
		return nil, fmt.Errorf("%sList is not a list", gvk)
	}
	return list, nil
}

// InventoryKinds are the kinds of every object the operator may create in a workspace's
// namespace, in prune order (workloads before what they use; reversed, the order to create
// them in). The benchmark's baseline copies a workspace's objects by them.
func InventoryKinds() ([]schema.GroupVersionKind, error) {
	inv := inventoryOf(desired.Components, Scheme())
	return append(slices.Clone(inv.managed), inv.foreign...), nil
}

// rulebookOf collects the upgrade rules of the components; two components declaring one
// release component differently is a programming error the operator refuses to start with.
func rulebookOf(components []stack.Component) (upgrade.Rulebook, error) {
	declared, err := desired.ReleaseComponents(components)
	if err != nil {
		return nil, err
	}
	return upgrade.NewRulebook(declared), nil
}
