// Package status computes a workspace's conditions from the outcome of a reconcile, following
// kstatus: Ready says whether the stack is usable, Reconciling is present (True) while work is
// under way, Stalled is present (True) while the operator cannot proceed without a change by a
// human. Abnormal-true conditions are removed when they no longer apply, as kstatus and Flux do.
package status

import (
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rathaus-io/rathaus/internal/health"
)

// Outcome is what a reconcile found. At most one of Stalled and Err is set.
type Outcome struct {
	// Stalled is a problem only a change of the workspace or platform can fix.
	Stalled *Problem
	// Err is a transient error; the reconcile is retried.
	Err error
	// Waiting lists what the stack still waits for, e.g. "files: 1 of 2 replicas available".
	Waiting []string
}

// Problem is a reason (CamelCase) and a message for humans.
type Problem struct {
	Reason  string
	Message string
	// Unwatched marks a problem whose fix no watch sees (a Secret outside the operator's
	// cache, a CRD installed later): the operator looks again after a while.
	Unwatched bool
}

// Apply sets the kstatus conditions of outcome on conds for an object at generation, at time
// now, and returns whether the outcome counts as observed (so observedGeneration may move).
// LastTransitionTime only changes when a condition's status changes, so an unchanged outcome
// yields unchanged conditions and no status write.
func Apply(conds *[]metav1.Condition, generation int64, outcome Outcome, now metav1.Time) (observed bool) {
	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		SetCondition(conds, metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: generation}, now)
	}
	defer func() { SortByType(*conds) }()
	switch {
	case outcome.Stalled != nil:
		set(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, outcome.Stalled.Reason, outcome.Stalled.Message)
		set(rathausv1alpha1.ConditionStalled, metav1.ConditionTrue, outcome.Stalled.Reason, outcome.Stalled.Message)
		meta.RemoveStatusCondition(conds, rathausv1alpha1.ConditionReconciling)
		return true
	case outcome.Err != nil:
		// The previous Ready stays as it was: a failed API call says nothing about the stack.
		set(rathausv1alpha1.ConditionReconciling, metav1.ConditionTrue, rathausv1alpha1.ReasonReconcileError, "retrying after error: "+outcome.Err.Error())
		meta.RemoveStatusCondition(conds, rathausv1alpha1.ConditionStalled)
		return false
	case len(outcome.Waiting) > 0:
		msg := "waiting for " + strings.Join(sortedCopy(outcome.Waiting), "; ")
		set(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, msg)
		set(rathausv1alpha1.ConditionReconciling, metav1.ConditionTrue, rathausv1alpha1.ReasonProgressing, msg)
		meta.RemoveStatusCondition(conds, rathausv1alpha1.ConditionStalled)
		return true
	default:
		set(rathausv1alpha1.ConditionReady, metav1.ConditionTrue, rathausv1alpha1.ReasonProvisioned, "the workspace is provisioned and its enabled services are available")
		meta.RemoveStatusCondition(conds, rathausv1alpha1.ConditionReconciling)
		meta.RemoveStatusCondition(conds, rathausv1alpha1.ConditionStalled)
		return true
	}
}

// SetCondition sets c on conds with meta.SetStatusCondition, with now as the transition time:
// LastTransitionTime moves only when the condition is new or its status changes, so that an
// unchanged outcome yields unchanged conditions and no status write. The one way rathaus sets
// a condition, on workspaces and platforms. It reports whether conds changed.
func SetCondition(conds *[]metav1.Condition, c metav1.Condition, now metav1.Time) (changed bool) {
	c.LastTransitionTime = now
	return meta.SetStatusCondition(conds, c)
}

// SortByType orders a workspace's conditions by type, as its status has always listed them;
// the reconciler sorts once all of them are set, so that a new one costs no second write.
func SortByType(conds []metav1.Condition) {
	slices.SortFunc(conds, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// ApplyComponents sets one condition per reported component and removes the conditions of
// the types in known that were not reported (components switched off).
func ApplyComponents(conds *[]metav1.Condition, generation int64, reports []health.Report, known []string, now metav1.Time) {
	reported := map[string]bool{}
	for _, r := range reports {
		if r.ConditionType == "" {
			continue // a part without a condition of its own only holds Ready (OutcomeOf)
		}
		reported[r.ConditionType] = true
		c := metav1.Condition{Type: r.ConditionType, ObservedGeneration: generation}
		switch {
		case r.Ready:
			c.Status, c.Reason, c.Message = metav1.ConditionTrue, rathausv1alpha1.ReasonAvailable, r.Component+" is available"
		case r.Failed:
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, rathausv1alpha1.ReasonFailed, r.Message
		default:
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for "+r.Message
		}
		SetCondition(conds, c, now)
	}
	for _, t := range known {
		if !reported[t] {
			meta.RemoveStatusCondition(conds, t)
		}
	}
	SortByType(*conds)
}

// OutcomeOf folds component reports into the workspace outcome: a failed component stalls the
// workspace, components still coming up keep it waiting.
func OutcomeOf(reports []health.Report) Outcome {
	var out Outcome
	for _, r := range reports {
		switch {
		case r.Failed && out.Stalled == nil:
			out.Stalled = &Problem{Reason: rathausv1alpha1.ReasonComponentFailed, Message: r.Component + ": " + r.Message}
		case !r.Ready && !r.Failed:
			out.Waiting = append(out.Waiting, r.Component+": "+r.Message)
		}
	}
	return out
}
