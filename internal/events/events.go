// Package events decides which Kubernetes Events a workspace's status change deserves: the
// transitions an operator on call cares about, and nothing for a status that did not change,
// so that a settled fleet writes no Events.
package events

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Event is one Kubernetes Event about a workspace. Messages carry no generated names and no
// changing figures, so that repeated Events aggregate into one series.
type Event struct {
	Type    string // corev1.EventTypeNormal or corev1.EventTypeWarning
	Reason  string
	Message string
}

// Transitions returns the Events for a workspace whose status changed from old to new, in a
// fixed order: the stall, then the workspace's readiness, then its services in status order.
func Transitions(old, new *rathausv1alpha1.MunicipalityWorkspaceStatus) []Event {
	var out []Event

	oldStall, newStall := trueCondition(old, rathausv1alpha1.ConditionStalled), trueCondition(new, rathausv1alpha1.ConditionStalled)
	switch {
	case newStall != nil && (oldStall == nil || oldStall.Reason != newStall.Reason || oldStall.Message != newStall.Message):
		out = append(out, Event{Type: corev1.EventTypeWarning, Reason: newStall.Reason, Message: newStall.Message})
	case newStall == nil && oldStall != nil:
		out = append(out, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonStallResolved, Message: "the workspace is no longer stalled by " + oldStall.Reason})
	}

	wasReady, isReady := trueCondition(old, rathausv1alpha1.ConditionReady) != nil, trueCondition(new, rathausv1alpha1.ConditionReady) != nil
	switch {
	case FirstReady(old, new):
		out = append(out, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonProvisioned, Message: "the workspace is provisioned and its enabled services are available"})
	case isReady && !wasReady:
		out = append(out, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonRecovered, Message: "the workspace is ready again"})
	case wasReady && !isReady && newStall == nil:
		// A stall has its own Event, which says why.
		out = append(out, Event{Type: corev1.EventTypeWarning, Reason: rathausv1alpha1.ReasonDegraded, Message: degradedMessage(new.Conditions)})
	}

	before := map[string]rathausv1alpha1.ServiceStatus{}
	for _, s := range old.Services {
		before[s.Name] = s
	}
	for _, s := range new.Services {
		o, known := before[s.Name]
		switch {
		case !known:
			// A service just switched on has no history to degrade from or recover to.
		case o.Ready == metav1.ConditionTrue && s.Ready != metav1.ConditionTrue:
			out = append(out, Event{Type: corev1.EventTypeWarning, Reason: rathausv1alpha1.ReasonServiceDegraded, Message: "service " + s.Name + " is not ready"})
		case o.Ready != metav1.ConditionTrue && s.Ready == metav1.ConditionTrue && o.Version != "":
			// A recorded version means the service was ready before (status.services keeps
			// the version last seen ready); without one, this is its first start.
			out = append(out, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonServiceRecovered, Message: "service " + s.Name + " is ready again"})
		}
	}
	out = append(out, restoreTransitions(old.Restore, new.Restore)...)
	return append(out, complianceTransitions(old.Credentials, new.Credentials)...)
}

// complianceTransitions mark a compliance service's answer to a new submission: each
// submission's time is new, so one Event per submission, none while nothing is submitted;
// a service that stays unreachable is reported once, not on every retry.
func complianceTransitions(old, new *rathausv1alpha1.CredentialsStatus) []Event {
	var before, after *rathausv1alpha1.ComplianceStatus
	if old != nil {
		before = old.Compliance
	}
	if new != nil {
		after = new.Compliance
	}
	if after == nil || before != nil && before.SubmittedAt.Equal(&after.SubmittedAt) {
		return nil
	}
	switch after.State {
	case rathausv1alpha1.ComplianceCompliant:
		return []Event{{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonGaiaXCompliant, Message: "the compliance service issued " + after.CredentialID}}
	case rathausv1alpha1.ComplianceRejected:
		return []Event{{Type: corev1.EventTypeWarning, Reason: rathausv1alpha1.ReasonGaiaXComplianceRejected, Message: "the compliance service refused the credentials: " + after.Message}}
	case rathausv1alpha1.ComplianceUnreachable:
		if before != nil && before.State == rathausv1alpha1.ComplianceUnreachable {
			return nil
		}
		return []Event{{Type: corev1.EventTypeWarning, Reason: rathausv1alpha1.ReasonGaiaXComplianceUnreachable, Message: "the compliance service did not answer: " + after.Message}}
	}
	return nil
}

// restoreTransitions mark a restore's start and end: the moments the services stop and come
// back.
func restoreTransitions(old, new *rathausv1alpha1.RestoreStatus) []Event {
	if new == nil || old != nil && old.ID == new.ID && old.Phase == new.Phase {
		return nil
	}
	switch new.Phase {
	case rathausv1alpha1.RestoreRestoring:
		return []Event{{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonRestoreStarted, Message: "restore " + new.ID + ": " + new.Message}}
	case rathausv1alpha1.RestoreSucceeded:
		return []Event{{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonRestoreSucceeded, Message: "restore " + new.ID + ": " + new.Message}}
	case rathausv1alpha1.RestoreFailed:
		return []Event{{Type: corev1.EventTypeWarning, Reason: rathausv1alpha1.ReasonRestoreFailed, Message: "restore " + new.ID + ": " + new.Message}}
	}
	return nil
}

// FirstReady reports whether the change from old to new is the workspace's first Ready. It
// relies on status.provisionedTime, which survives operator restarts: a workspace that was
// provisioned before, degraded and became Ready again is not new, whichever operator process
// saw what. A workspace that was Ready before the operator recorded provisionedTime gets it
// backfilled while Ready, which is no transition either.
func FirstReady(old, new *rathausv1alpha1.MunicipalityWorkspaceStatus) bool {
	return old.ProvisionedTime == nil && trueCondition(old, rathausv1alpha1.ConditionReady) == nil && trueCondition(new, rathausv1alpha1.ConditionReady) != nil
}

// degradedMessage names the component conditions that are not True, in condition order.
func degradedMessage(conds []metav1.Condition) string {
	var notReady []string
	for _, c := range conds {
		switch c.Type {
		case rathausv1alpha1.ConditionReady, rathausv1alpha1.ConditionReconciling, rathausv1alpha1.ConditionStalled:
			continue
		}
		if c.Status != metav1.ConditionTrue {
			notReady = append(notReady, c.Type)
		}
	}
	if len(notReady) == 0 {
		return "the workspace is no longer ready"
	}
	return "the workspace is no longer ready: " + strings.Join(notReady, ", ") + " not True"
}

func trueCondition(st *rathausv1alpha1.MunicipalityWorkspaceStatus, typ string) *metav1.Condition {
	c := meta.FindStatusCondition(st.Conditions, typ)
	if c == nil || c.Status != metav1.ConditionTrue {
		return nil
	}
	return c
}
