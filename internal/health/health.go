// Package health judges from observed objects whether a component is available. A workload
// counts only when its controller has seen the current generation and reports every replica
// updated and available; a setup Job only when it has succeeded.
package health

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// Status is a component's availability and, when it is not available, what it waits for or
// why it failed. Messages carry kinds and names of objects, never values of Secrets.
type Status struct {
	Ready   bool
	Failed  bool
	Message string
}

// Of judges one object; kinds without a notion of readiness are always ready. A nil object
// has not been observed yet.
func Of(kind, name string, obj client.Object) Status { return Judged(kind, name, obj, nil) }

// Judged is Of with the judge of the component that rendered obj, for kinds of other
// operators (stack.ForeignJudge).
func Judged(kind, name string, obj client.Object, judge stack.ForeignJudge) Status {
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
	case *unstructured.Unstructured:
		return foreign(kind, name, o, judge)
	}
	return Status{Ready: true}
}

// foreign judges objects of other operators as kstatus does (sigs.k8s.io/cli-utils
// pkg/kstatus: terminating, a generation not yet observed, Reconciling or Stalled conditions),
// and then by the rule of the component that rendered them, for operators that publish
// readiness in their own way.
func foreign(kind, name string, u *unstructured.Unstructured, judge stack.ForeignJudge) Status {
	res, err := kstatus.Compute(u)
	if err != nil {
		return Status{Message: fmt.Sprintf("%s %s to report a readable status", kind, name)}
	}
	if res.Status == kstatus.FailedStatus {
		return Status{Failed: true, Message: fmt.Sprintf("%s %s failed: %s", kind, name, res.Message)}
	}
	if judge != nil {
		if ready, waitingFor, known := judge.Judge(u); known && !ready {
			return Status{Message: waitingFor}
		}
	}
	if res.Status != kstatus.CurrentStatus {
		return Status{Message: fmt.Sprintf("%s %s to be reconciled", kind, name)}
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

// Report is the availability of one component of a workspace.
type Report struct {
	Component     string
	ConditionType string
	Status
}

// Components judges every component that has a condition of its own from the objects it
// rendered (objs, by component label), what the cache showed of them before this reconcile
// (observed, by stack.Key; for objects just applied, the API server's response) and what it
// says it waits for (stack.Pender). A component that rendered nothing and waits for nothing
// gets no report.
func Components(in stack.Inputs, components []stack.Component, objs []*unstructured.Unstructured, observed map[string]client.Object) []Report {
	byComponent := map[string][]*unstructured.Unstructured{}
	for _, u := range objs {
		c := u.GetLabels()[ownership.ComponentLabel]
		byComponent[c] = append(byComponent[c], u)
	}
	var out []Report
	for _, c := range components {
		judge, _ := c.(stack.ForeignJudge)
		cond, ok := c.(stack.Conditioned)
		if !ok {
			// A part without a condition of its own can still make the workspace wait.
			if p, ok := c.(stack.Pender); ok {
				if msg := p.Pending(in); msg != "" {
					out = append(out, Report{Component: c.Name(), Status: Status{Message: msg}})
				}
			}
			continue
		}
		var statuses []Status
		if p, ok := c.(stack.Pender); ok {
			if msg := p.Pending(in); msg != "" {
				statuses = append(statuses, Status{Message: msg})
			}
		}
		if len(statuses) == 0 && len(byComponent[c.Name()]) == 0 {
			continue // switched off, or nothing to say
		}
		for _, u := range byComponent[c.Name()] {
			statuses = append(statuses, Judged(u.GetKind(), u.GetName(), observed[stack.Key(u.GetKind(), u.GetNamespace(), u.GetName())], judge))
		}
		out = append(out, Report{Component: c.Name(), ConditionType: cond.ConditionType(), Status: aggregate(statuses)})
	}
	return out
}

// aggregate: a failure wins; otherwise the component waits for everything not ready yet.
func aggregate(statuses []Status) Status {
	var waiting []string
	for _, s := range statuses {
		if s.Failed {
			return s
		}
		if !s.Ready {
			waiting = append(waiting, s.Message)
		}
	}
	if len(waiting) > 0 {
		return Status{Message: strings.Join(waiting, ", ")}
	}
	return Status{Ready: true}
}
