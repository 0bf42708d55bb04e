package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

// endpoints lists the addresses of the enabled services, in component order.
func endpoints(ws *rathausv1alpha1.MunicipalityWorkspace, components []stack.Component) []rathausv1alpha1.Endpoint {
	var out []rathausv1alpha1.Endpoint
	for _, c := range components {
		if svc, ok := c.(stack.Service); ok {
			if ep, enabled := svc.Endpoint(ws); enabled {
				out = append(out, ep)
			}
		}
	}
	return out
}

func equalStatus(a, b *rathausv1alpha1.MunicipalityWorkspaceStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// recordTransition emits an Event when the workspace becomes Ready, stalls, or stops being
// Ready. Unchanged conditions emit nothing, so a settled fleet writes no Events either.
func (r *WorkspaceReconciler) recordTransition(ws *rathausv1alpha1.MunicipalityWorkspace, before, after []metav1.Condition) {
	wasReady := meta.IsStatusConditionTrue(before, status.TypeReady)
	oldStall := meta.FindStatusCondition(before, status.TypeStalled)
	ready := meta.FindStatusCondition(after, status.TypeReady)
	stall := meta.FindStatusCondition(after, status.TypeStalled)
	switch {
	case stall != nil && (oldStall == nil || oldStall.Reason != stall.Reason || oldStall.Message != stall.Message):
		r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, stall.Reason, "Reconcile", "%s", stall.Message)
	case ready != nil && ready.Status == metav1.ConditionTrue && !wasReady:
		r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, status.ReasonProvisioned, "Reconcile", "%s", ready.Message)
	case ready != nil && ready.Status != metav1.ConditionTrue && wasReady && stall == nil:
		r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, "Degraded", "Reconcile", "%s", ready.Message)
	}
}
