package health

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
)

func deployment(gen, observed int64, want, updated, available int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Generation: gen},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(want)},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: observed, UpdatedReplicas: updated, AvailableReplicas: available},
	}
}

func jobWith(t batchv1.JobConditionType, reason string) *batchv1.Job {
	return &batchv1.Job{Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: t, Status: corev1.ConditionTrue, Reason: reason}}}}
}

func TestOf(t *testing.T) {
	tests := []struct {
		name  string
		kind  string
		obj   client.Object
		judge stack.ForeignJudge
		want  Status
	}{
		{name: "not observed", kind: "Deployment", obj: nil, want: Status{Message: "Deployment x to be observed"}},
		{name: "ready", kind: "Deployment", obj: deployment(2, 2, 2, 2, 2), want: Status{Ready: true}},
		{name: "old generation", kind: "Deployment", obj: deployment(3, 2, 2, 2, 2), want: Status{Message: "Deployment x to be rolled out"}},
		{name: "rolling", kind: "Deployment", obj: deployment(2, 2, 2, 1, 2), want: Status{Message: "Deployment x: 1 of 2 replicas available"}},
		{name: "unavailable", kind: "Deployment", obj: deployment(2, 2, 2, 2, 0), want: Status{Message: "Deployment x: 0 of 2 replicas available"}},
		{name: "statefulset", kind: "StatefulSet", obj: &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)}, Status: appsv1.StatefulSetStatus{UpdatedReplicas: 1, AvailableReplicas: 1}}, want: Status{Ready: true}},
		{name: "job done", kind: "Job", obj: jobWith(batchv1.JobComplete, ""), want: Status{Ready: true}},
		{name: "job failed", kind: "Job", obj: jobWith(batchv1.JobFailed, "BackoffLimitExceeded"), want: Status{Failed: true, Message: "Job x failed: BackoffLimitExceeded"}},
		{name: "job running", kind: "Job", obj: &batchv1.Job{}, want: Status{Message: "Job x to complete"}},
		{name: "claim pending", kind: "PersistentVolumeClaim", obj: &corev1.PersistentVolumeClaim{}, want: Status{Message: "PersistentVolumeClaim x to be bound"}},
		{name: "config map", kind: "ConfigMap", obj: &corev1.ConfigMap{}, want: Status{Ready: true}},
		{name: "foreign, judged ready by its component", kind: "Ledger", obj: ledger(map[string]any{"open": true}), judge: ledgerJudge{}, want: Status{Ready: true}},
		{name: "foreign, not ready by its component", kind: "Ledger", obj: ledger(map[string]any{"open": false}), judge: ledgerJudge{}, want: Status{Message: "Ledger x to open"}},
		{name: "foreign without a judge", kind: "Certificate", obj: foreignObj(nil), want: Status{Ready: true}},
		{name: "kstatus: reconciling", kind: "Certificate", obj: foreignObj(map[string]any{"conditions": []any{map[string]any{"type": "Reconciling", "status": "True"}}}), want: Status{Message: "Certificate x to be reconciled"}},
		{name: "kstatus: stalled", kind: "Certificate", obj: foreignObj(map[string]any{"conditions": []any{map[string]any{"type": "Stalled", "status": "True", "message": "no issuer"}}}), want: Status{Failed: true, Message: "Certificate x failed: no issuer"}},
		{name: "kstatus: generation not observed", kind: "Ledger", obj: generation(ledger(map[string]any{"observedGeneration": int64(1), "open": true}), 2), judge: ledgerJudge{}, want: Status{Message: "Ledger x to be reconciled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judged(tt.kind, "x", tt.obj, tt.judge); got != tt.want {
				t.Fatalf("Of = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func foreignObj(status map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	if status != nil {
		u.Object["status"] = status
	}
	return u
}

// ledger is an object of another operator that publishes readiness its own way.
func ledger(status map[string]any) *unstructured.Unstructured {
	u := foreignObj(status)
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "example.org", Version: "v1", Kind: "Ledger"})
	u.SetName("x")
	return u
}

// ledgerJudge judges ledgers by status.open, as a component judges its foreign kinds.
type ledgerJudge struct{}

func (ledgerJudge) Judge(u *unstructured.Unstructured) (bool, string, bool) {
	if u.GetKind() != "Ledger" {
		return false, "", false
	}
	open, _, _ := unstructured.NestedBool(u.Object, "status", "open")
	return open, "Ledger " + u.GetName() + " to open", true
}

func generation(u *unstructured.Unstructured, g int64) *unstructured.Unstructured {
	u.SetGeneration(g)
	return u
}
