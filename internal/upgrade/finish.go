package upgrade

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Health is what the reconcile found of the stack it applied at the decided release.
type Health struct {
	// Applied is the version whose objects were applied; empty when the stack was not applied
	// and judged, which leaves the decision as it is.
	Applied string
	// Stalled is the stack's own problem (a component failed for good); Waiting lists what it
	// still waits for. Neither: it is healthy.
	Stalled *Problem
	Waiting []string
}

// Outcome is the upgrade's part of a reconcile's result, for the status and the announcements.
type Outcome struct {
	// Status is the new status.upgrade.
	Status *rathausv1alpha1.UpgradeStatus
	// Reason and Message are the UpToDate condition's; it is True when Reason is
	// ReasonUpToDate.
	Reason, Message string
	// Stalled, when set, is the workspace's Stalled problem: a refused plan, a halted step.
	Stalled *Problem
	// Finished says that the step under way succeeded, so its slot is free.
	Finished bool
	// Events and Counts are announced once the status recording them is written.
	Events []Event
	Counts []StepResult
	// RequeueAfter asks to look again; zero: no need to.
	RequeueAfter time.Duration
}

// Condition is the workspace's UpToDate condition at generation: True once it runs its target.
func (o Outcome) Condition(generation int64) metav1.Condition {
	c := metav1.Condition{Type: rathausv1alpha1.ConditionUpToDate, Status: metav1.ConditionFalse, Reason: o.Reason, Message: o.Message, ObservedGeneration: generation}
	if o.Reason == rathausv1alpha1.ReasonUpToDate {
		c.Status = metav1.ConditionTrue
	}
	return c
}

// Outcome is the decision's outcome as it stands, for a reconcile that ends before the
// stack's health is known.
func (d Decision) Outcome() Outcome {
	return Outcome{Status: d.Status, Reason: d.Reason, Message: d.Message, Events: d.Events, Counts: d.Counts, RequeueAfter: d.RequeueAfter}
}

// Finish completes a decision with the health of the stack applied at its release: a new
// workspace healthy on its release runs it; a step healthy on its release is recorded as
// succeeded and the next one may follow; a step that stays unhealthy past the step timeout
// halts, stalling the workspace. A refused plan (or a step halted while backing up) stalls the
// workspace unless the stack has a problem of its own; it keeps running its release.
func Finish(d Decision, h Health) Outcome {
	if h.Applied == "" {
		return d.Outcome()
	}
	d = d.clone()
	healthy := h.Stalled == nil && len(h.Waiting) == 0
	u := d.Status
	switch {
	case u.Current == "":
		if healthy {
			u.Current, u.Components = h.Applied, componentsOf(d.Render)
			d = d.say(rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+u.Current)
		}
	case u.Step != nil && u.Step.Phase == rathausv1alpha1.UpgradeUpgrading && u.Step.To == h.Applied:
		if healthy {
			return d.succeed()
		}
		deadline := u.Step.StartedAt.Add(d.timeout)
		if d.now.Before(deadline) {
			if d.RequeueAfter == 0 || deadline.Sub(d.now) < d.RequeueAfter {
				d.RequeueAfter = deadline.Sub(d.now) + time.Second
			}
			return d.Outcome()
		}
		cause := strings.Join(h.Waiting, "; ")
		if h.Stalled != nil {
			cause = h.Stalled.Message
		}
		d = d.halt("not healthy on the new release", cause)
		o := d.Outcome()
		o.Stalled = d.Refused
		return o
	}
	o := d.Outcome()
	if d.Refused != nil && h.Stalled == nil {
		o.Stalled = d.Refused
	}
	return o
}

// succeed records the step under way as done; the next step, if any, follows at once.
func (d Decision) succeed() Outcome {
	u, step := d.Status, d.Status.Step
	u.History = record(u.History, rathausv1alpha1.UpgradeRecord{
		From: step.From, To: step.To, Result: rathausv1alpha1.UpgradeSucceeded,
		Message: "changed " + strings.Join(step.Components, ", "), FinishedAt: metav1.NewTime(d.now),
	})
	u.Current, u.Components, u.Step = step.To, componentsOf(d.Render), nil
	d.Events = append(d.Events, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonUpgradeStepSucceeded, Message: fmt.Sprintf("Upgrade step from %s to %s succeeded", step.From, step.To)})
	d.Counts = append(d.Counts, StepSucceeded)
	d = d.say(rathausv1alpha1.ReasonUpgradeInProgress, "release "+step.To+" is healthy")
	if u.Current == u.Target {
		d = d.say(rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+u.Current)
	}
	d.RequeueAfter = time.Second
	o := d.Outcome()
	o.Finished = true
	return o
}

// clone copies what Finish changes, so that the decision it was given stays as it was.
func (d Decision) clone() Decision {
	d.Status = d.Status.DeepCopy()
	d.Events = slices.Clone(d.Events)
	d.Counts = slices.Clone(d.Counts)
	return d
}
