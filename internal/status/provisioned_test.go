package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestMarkProvisioned(t *testing.T) {
	ready := func(s metav1.ConditionStatus, at metav1.Time) []metav1.Condition {
		return []metav1.Condition{{Type: rathausv1alpha1.ConditionReady, Status: s, LastTransitionTime: at}}
	}
	tests := []struct {
		name string
		st   rathausv1alpha1.MunicipalityWorkspaceStatus
		want *metav1.Time
	}{
		{name: "no conditions yet", st: rathausv1alpha1.MunicipalityWorkspaceStatus{}, want: nil},
		{name: "not ready yet", st: rathausv1alpha1.MunicipalityWorkspaceStatus{Conditions: ready(metav1.ConditionFalse, t1)}, want: nil},
		{name: "first ready takes Ready's transition time", st: rathausv1alpha1.MunicipalityWorkspaceStatus{Conditions: ready(metav1.ConditionTrue, t2)}, want: &t2},
		{name: "set once, kept while ready", st: rathausv1alpha1.MunicipalityWorkspaceStatus{Conditions: ready(metav1.ConditionTrue, t2), ProvisionedTime: &t1}, want: &t1},
		{name: "set once, kept while degraded", st: rathausv1alpha1.MunicipalityWorkspaceStatus{Conditions: ready(metav1.ConditionFalse, t2), ProvisionedTime: &t1}, want: &t1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			MarkProvisioned(&st)
			switch {
			case tt.want == nil && st.ProvisionedTime != nil:
				t.Errorf("ProvisionedTime = %v, want unset", st.ProvisionedTime)
			case tt.want != nil && (st.ProvisionedTime == nil || !st.ProvisionedTime.Equal(tt.want)):
				t.Errorf("ProvisionedTime = %v, want %v", st.ProvisionedTime, tt.want)
			}
		})
	}
}
