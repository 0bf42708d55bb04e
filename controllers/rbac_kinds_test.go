package controllers

import (
	"os"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/yaml"

	"github.com/rathaus-io/rathaus/internal/desired"
)

// TestManagerMayManageEveryDeclaredKind: the kinds the components declare are what the
// operator creates, watches and prunes; the manager's generated ClusterRole
// (config/rbac/role.yaml, from the +kubebuilder:rbac markers) must allow all of it, or a new
// service would fail only on a real cluster.
func TestManagerMayManageEveryDeclaredKind(t *testing.T) {
	data, err := os.ReadFile("../config/rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		t.Fatal(err)
	}
	allows := func(group, resource, verb string) bool {
		return slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool {
			return slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb)
		})
	}
	kinds := desired.Kinds(desired.Components)
	if len(kinds) < 10 {
		t.Fatalf("only %d kinds declared", len(kinds))
	}
	for _, gvk := range kinds {
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		for _, verb := range []string{"get", "list", "create", "update", "patch", "delete"} {
			if !allows(gvk.Group, plural.Resource, verb) {
				t.Errorf("the manager may not %s %s.%s: add a +kubebuilder:rbac marker", verb, plural.Resource, gvk.Group)
			}
		}
	}
}
