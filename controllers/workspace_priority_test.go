package controllers

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// The queue order the handlers produce, with controller-runtime's priority queue: a child's
// event for a workspace under way first, then new workspaces in the order they came (one
// created while the operator started, seen in its initial list, among them), then the
// workspaces a restarted operator has reconciled before.
func TestNewWorkspacesWaitBehindThoseUnderWay(t *testing.T) {
	ctx := context.Background()
	q := priorityqueue.New[reconcile.Request]("priority-test")
	defer q.ShutDown()
	created := newWorkspacesLast()
	children := handler.EnqueueRequestsFromMapFunc(ownerWorkspace)

	workspace := func(ns string) *rathausv1alpha1.MunicipalityWorkspace {
		return &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "workspace"}}
	}
	known := workspace("known")
	known.Status.ObservedGeneration = 1
	created.Create(ctx, event.CreateEvent{Object: known, IsInInitialList: true}, q)
	created.Create(ctx, event.CreateEvent{Object: workspace("new-1"), IsInInitialList: true}, q)
	created.Create(ctx, event.CreateEvent{Object: workspace("new-2")}, q)
	child := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "under-way", Name: "nextcloud", ResourceVersion: "1", Labels: map[string]string{
		ownership.ManagedByLabel: ownership.ManagedByValue, ownership.WorkspaceLabel: "workspace",
	}}}
	changed := child.DeepCopy()
	changed.ResourceVersion = "2" // a resync (same version) would come at handler.LowPriority
	children.Update(ctx, event.UpdateEvent{ObjectOld: child, ObjectNew: changed}, q)

	want := []string{"under-way", "new-1", "new-2", "known"}
	for i, ns := range want {
		item, _ := q.Get()
		if item.NamespacedName != (types.NamespacedName{Namespace: ns, Name: "workspace"}) {
			t.Fatalf("item %d is %s, want namespace %s (order %v)", i, item, ns, want)
		}
		q.Done(item)
	}
}
