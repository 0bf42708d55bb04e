package status

import (
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// ProgressOnly reports whether after differs from before only in how far a workspace that is
// still coming up has got: which of its components are available yet and what the others wait
// for (their conditions, the services' readiness and the versions they were seen ready on,
// Ready's and Reconciling's messages), and the digests the operator keeps for its next start. Such a status may wait a moment before it is
// written: while a stack comes up its objects get ready one after another, and writing each
// step was a status patch per step for every workspace of a fleet.
//
// Everything else is written at once: Ready becoming True or failing, a component failing, a
// stall, a new generation observed, hosts, release, upgrade, backups, DNS records. A
// workspace that was not progressing before (new, Ready, stalled) never waits. What waits is
// computed again by the next reconcile from the status as written, so nothing is decided twice.
func ProgressOnly(before, after *rathausv1alpha1.MunicipalityWorkspaceStatus) bool {
	if !progressing(before.Conditions) || !progressing(after.Conditions) {
		return false
	}
	return equality.Semantic.DeepEqual(withoutProgress(before), withoutProgress(after))
}

// progressing reports whether conds say the workspace is coming up: Ready is False because
// components are still on their way, not because something failed or stalled.
func progressing(conds []metav1.Condition) bool {
	for _, c := range conds {
		if c.Type == rathausv1alpha1.ConditionReady {
			return c.Status == metav1.ConditionFalse && c.Reason == rathausv1alpha1.ReasonProgressing
		}
	}
	return false
}

// withoutProgress is st without what ProgressOnly lets change: messages and transition times
// of all conditions, and the status of conditions that move between Progressing and
// Available (the components'); the services' readiness and versions; the digests.
func withoutProgress(st *rathausv1alpha1.MunicipalityWorkspaceStatus) *rathausv1alpha1.MunicipalityWorkspaceStatus {
	out := st.DeepCopy()
	for i := range out.Conditions {
		c := &out.Conditions[i]
		c.Message, c.LastTransitionTime = "", metav1.Time{}
		if c.Type != rathausv1alpha1.ConditionReady && (c.Reason == rathausv1alpha1.ReasonProgressing || c.Reason == rathausv1alpha1.ReasonAvailable) {
			c.Status, c.Reason = "", ""
		}
	}
	for i := range out.Services {
		out.Services[i].Ready, out.Services[i].Version = "", ""
	}
	out.ObjectsFingerprint, out.SettledDigest = "", ""
	return out
}
