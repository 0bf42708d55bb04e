// Package health judges from observed objects whether a component is available. A workload
// counts only when its controller has seen the current generation and reports every replica
// updated and available; a setup Job only when it has succeeded.
package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Status is a component's availability and, when it is not available, what it waits for or
// why it failed. Messages carry kinds and names of objects, never values of Secrets.
type Status struct {
	Ready   bool
	Failed  bool
	Message string
}

// Of judges one object; kinds without a notion of readiness are always ready. A nil object
// has not been observed in its current form yet (it was just applied).
func Of(kind, name string, obj client.Object) Status {
	if obj == nil {
		return Status{Message: fmt.Sprintf("%s %s to be observed", kind, name)}
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return replicas(kind, name, o.Generation, o.Status.ObservedGeneration, ptr.Deref(o.Spec.Replicas, 1), o.Status.UpdatedReplicas, o.Status.AvailableReplicas)
	case *appsv1.StatefulSet:
		return replicas(kind, name, o.Generation, o.Status.ObservedGeneration, ptr.Deref(o.Spec.Replicas, 1), o.Status.UpdatedReplicas, o.Status.AvailableReplicas)
	case *batchv1.Job:
		return job(name, o)
	case *corev1.PersistentVolumeClaim:
		if o.Status.Phase != corev1.ClaimBound {
			return Status{Message: fmt.Sprintf("PersistentVolumeClaim %s to be bound", name)}
		}
	}
	return Status{Ready: true}
}

func replicas(kind, name string, generation, observed int64, want, updated, available int32) Status {
	switch {
	case observed < generation:
		return Status{Message: fmt.Sprintf("%s %s to be rolled out", kind, name)}
	case updated < want || available < want:
		return Status{Message: fmt.Sprintf("%s %s: %d of %d replicas available", kind, name, min(updated, available), want)}
	}
	return Status{Ready: true}
}

func job(name string, j *batchv1.Job) Status {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return Status{Ready: true}
		case batchv1.JobFailed:
			return Status{Failed: true, Message: fmt.Sprintf("Job %s failed: %s", name, c.Reason)}
		}
	}
	return Status{Message: fmt.Sprintf("Job %s to complete", name)}
}
