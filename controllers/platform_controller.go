package controllers

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/compliance"
	"github.com/rathaus-io/rathaus/internal/residency"
	"github.com/rathaus-io/rathaus/internal/status"
)

// PlatformReconciler reports on each WorkspacePlatform what a provider shows an auditor: how
// the cluster's nodes stand against the platform's allowed regions, and the cluster checks of
// internal/compliance.
type PlatformReconciler struct {
	Client client.Client
	// ServerVersion returns the API server's version (discovery).
	ServerVersion func() (string, error)
	Now           func() metav1.Time
}

// +kubebuilder:rbac:groups=rathaus.io,resources=workspaceplatforms/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=get;list;watch

// Reconcile counts the nodes for one platform and patches its status if that changed.
func (r *PlatformReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	platform := &rathausv1alpha1.WorkspacePlatform{}
	if err := r.Client.Get(ctx, req.NamespacedName, platform); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var nodes corev1.NodeList
	if err := r.Client.List(ctx, &nodes); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing nodes: %w", err)
	}
	var classes storagev1.StorageClassList
	if err := r.Client.List(ctx, &classes); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing storage classes: %w", err)
	}
	serverVersion, err := r.ServerVersion()
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading the API server's version: %w", err)
	}
	counted := residency.Count(nodes.Items, platform)
	before := platform.DeepCopy()
	platform.Status.Nodes = &counted
	platform.Status.ObservedGeneration = platform.Generation
	conds := append([]metav1.Condition{residency.Condition(platform, counted, residency.VolumeWarnings(platform, classes.Items))},
		compliance.Check(platform, compliance.Observed{ServerVersion: serverVersion, Nodes: nodes.Items, StorageClasses: classes.Items})...)
	for _, c := range conds {
		status.SetCondition(&platform.Status.Conditions, c, r.Now())
	}
	if equality.Semantic.DeepEqual(before.Status, platform.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Client.Status().Patch(ctx, platform, client.MergeFrom(before))
}

// SetupWithManager watches platforms and the nodes whose readiness or labels change.
func (r *PlatformReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspaceplatform").
		For(&rathausv1alpha1.WorkspacePlatform{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allPlatforms), builder.WithPredicates(nodePlacementChanged())).
		Watches(&storagev1.StorageClass{}, handler.EnqueueRequestsFromMapFunc(r.allPlatforms)).
		Complete(r)
}

func (r *PlatformReconciler) allPlatforms(ctx context.Context, _ client.Object) []reconcile.Request {
	var list rathausv1alpha1.WorkspacePlatformList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}

// nodePlacementChanged passes node events that can change a count: creation, deletion, and
// updates of labels or readiness (not the heartbeats and image lists nodes update all the time).
func nodePlacementChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldNode, okOld := e.ObjectOld.(*corev1.Node)
			newNode, okNew := e.ObjectNew.(*corev1.Node)
			if !okOld || !okNew {
				return true
			}
			return !equality.Semantic.DeepEqual(oldNode.Labels, newNode.Labels) || readyStatus(oldNode) != readyStatus(newNode)
		},
	}
}

func readyStatus(n *corev1.Node) corev1.ConditionStatus {
	i := slices.IndexFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool { return c.Type == corev1.NodeReady })
	if i < 0 {
		return corev1.ConditionUnknown
	}
	return n.Status.Conditions[i].Status
}
