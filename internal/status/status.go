// Package status computes a workspace's conditions from the outcome of a reconcile, following
// kstatus: Ready says whether the stack is usable, Reconciling is present (True) while work is
// under way, Stalled is present (True) while the operator cannot proceed without a change by a
// human. Abnormal-true conditions are removed when they no longer apply, as kstatus and Flux do.
package status

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rathaus-io/rathaus/internal/health"
)

// Condition types.
const (
	TypeReady       = "Ready"
	TypeReconciling = "Reconciling"
	TypeStalled     = "Stalled"
)

// Reasons of the kstatus conditions that are not specific to one check.
const (
	ReasonProvisioned    = "Provisioned"
	ReasonProgressing    = "Progressing"
	ReasonReconcileError = "ReconcileError"
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
		setCondition(conds, metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: generation}, now)
	}
	switch {
	case outcome.Stalled != nil:
		set(TypeReady, metav1.ConditionFalse, outcome.Stalled.Reason, outcome.Stalled.Message)
		set(TypeStalled, metav1.ConditionTrue, outcome.Stalled.Reason, outcome.Stalled.Message)
		meta.RemoveStatusCondition(conds, TypeReconciling)
		return true
	case outcome.Err != nil:
		// The previous Ready stays as it was: a failed API call says nothing about the stack.
		set(TypeReconciling, metav1.ConditionTrue, ReasonReconcileError, "retrying after error: "+outcome.Err.Error())
		meta.RemoveStatusCondition(conds, TypeStalled)
		return false
	case len(outcome.Waiting) > 0:
		msg := "waiting for " + strings.Join(sortedCopy(outcome.Waiting), "; ")
		set(TypeReady, metav1.ConditionFalse, ReasonProgressing, msg)
		set(TypeReconciling, metav1.ConditionTrue, ReasonProgressing, msg)
		meta.RemoveStatusCondition(conds, TypeStalled)
		return true
	default:
		set(TypeReady, metav1.ConditionTrue, ReasonProvisioned, "the workspace is provisioned and its enabled services are available")
		meta.RemoveStatusCondition(conds, TypeReconciling)
		meta.RemoveStatusCondition(conds, TypeStalled)
		return true
	}
}

// setCondition is meta.SetStatusCondition with an explicit clock.
func setCondition(conds *[]metav1.Condition, c metav1.Condition, now metav1.Time) {
	if existing := meta.FindStatusCondition(*conds, c.Type); existing != nil && existing.Status == c.Status {
		c.LastTransitionTime = existing.LastTransitionTime
	} else {
		c.LastTransitionTime = now
	}
	meta.RemoveStatusCondition(conds, c.Type)
	*conds = append(*conds, c)
	slices.SortFunc(*conds, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Reasons of component conditions (FilesReady, DatabaseReady, ...).
const (
	ReasonAvailable = "Available"
	ReasonFailed    = "Failed"
)

// ApplyComponents sets one condition per reported component and removes the conditions of
// the types in known that were not reported (components switched off).
func ApplyComponents(conds *[]metav1.Condition, generation int64, reports []health.Report, known []string, now metav1.Time) {
	reported := map[string]bool{}
	for _, r := range reports {
		reported[r.ConditionType] = true
		c := metav1.Condition{Type: r.ConditionType, ObservedGeneration: generation}
		switch {
		case r.Ready:
			c.Status, c.Reason, c.Message = metav1.ConditionTrue, ReasonAvailable, r.Component+" is available"
		case r.Failed:
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonFailed, r.Message
		default:
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonProgressing, "waiting for "+r.Message
		}
		setCondition(conds, c, now)
	}
	for _, t := range known {
		if !reported[t] {
			meta.RemoveStatusCondition(conds, t)
		}
	}
}

// OutcomeOf folds component reports into the workspace outcome: a failed component stalls the
// workspace, components still coming up keep it waiting.
func OutcomeOf(reports []health.Report) Outcome {
	var out Outcome
	for _, r := range reports {
		switch {
		case r.Failed && out.Stalled == nil:
			out.Stalled = &Problem{Reason: ReasonComponentFailed, Message: r.Component + ": " + r.Message}
		case !r.Ready && !r.Failed:
			out.Waiting = append(out.Waiting, r.Component+": "+r.Message)
		}
	}
	return out
}

// ReasonComponentFailed stalls a workspace whose component failed (e.g. a setup Job).
const ReasonComponentFailed = "ComponentFailed"
