package tenant

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// The namespace-protection policy acts on this label alone, so it must follow the effective
// deletion policy exactly: an unset policy is Retain.
func TestNamespaceDeletionProtection(t *testing.T) {
	for _, tc := range []struct {
		policy    rathausv1alpha1.DeletionPolicy
		protected bool
	}{
		{"", true},
		{rathausv1alpha1.DeletionPolicyRetain, true},
		{rathausv1alpha1.DeletionPolicyDelete, false},
	} {
		ws := &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel"},
			Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{DeletionPolicy: tc.policy},
		}
		value, found := Namespace(stack.Inputs{Workspace: ws}).Labels[DeletionProtectionLabel]
		if found != tc.protected || found && value != "true" {
			t.Errorf("deletionPolicy %q: label %q=%q (present %v), want present %v", tc.policy, DeletionProtectionLabel, value, found, tc.protected)
		}
	}
}
