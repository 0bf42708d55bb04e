// Package rollout holds the status a kubelet and the workload controllers report once a
// workload has rolled out. envtest has neither, and make chaos runs without them; both play
// them with these values, so that the operator sees what it would see on a cluster.
package rollout

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Deployment is the status of d with its current generation rolled out and every replica
// available.
func Deployment(d *appsv1.Deployment) appsv1.DeploymentStatus {
	n := ptr.Deref(d.Spec.Replicas, 1)
	return appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
}

// StatefulSet is the status of s with its current generation rolled out and every replica
// available.
func StatefulSet(s *appsv1.StatefulSet) appsv1.StatefulSetStatus {
	n := ptr.Deref(s.Spec.Replicas, 1)
	return appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n, CurrentReplicas: n}
}

// Job is the status of a Job that completed at now.
func Job(now metav1.Time) batchv1.JobStatus {
	return batchv1.JobStatus{
		StartTime: &now, CompletionTime: &now, Succeeded: 1,
		Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
	}
}
