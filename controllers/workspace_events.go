package controllers

import (
	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/events"
	"github.com/rathaus-io/rathaus/internal/metrics"
)

// eventAction is the events.k8s.io action of the workspace reconciler's Events.
const eventAction = "Reconcile"

// recordTransitions emits the Events of a status change that was just written, and observes
// the time to the first Ready. It runs only after a successful status patch: the status read
// at the start of the next reconcile is then the new one, so a transition is recorded once,
// by whichever operator process wrote it, also across restarts and leader changes. A failed
// patch records nothing; the next reconcile computes the same transition again.
func (r *WorkspaceReconciler) recordTransitions(ws *rathausv1alpha1.MunicipalityWorkspace, old, new *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	for _, e := range events.Transitions(old, new) {
		r.Recorder.Eventf(ws, nil, e.Type, e.Reason, eventAction, "%s", e.Message)
	}
	if events.FirstReady(old, new) && new.ProvisionedTime != nil {
		metrics.ObserveTimeToReady(ws.CreationTimestamp.Time, new.ProvisionedTime.Time)
	}
}
