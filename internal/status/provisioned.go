package status

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// MarkProvisioned sets st.ProvisionedTime the first time st is Ready, to the time Ready
// turned True. It never changes a time once set: like Cluster API's
// status.initialization flags, it is a one-way record that survives operator restarts, so
// "first Ready" can be told apart from "Ready again".
func MarkProvisioned(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	if st.ProvisionedTime != nil {
		return
	}
	ready := meta.FindStatusCondition(st.Conditions, rathausv1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		return
	}
	// A workspace that was Ready before the operator knew this field gets the best time it
	// can know: when Ready last turned True.
	t := ready.LastTransitionTime
	st.ProvisionedTime = &t
}
