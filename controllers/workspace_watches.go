package controllers

import (
	"context"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/conflict"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/residency"
)

// Cache indexes of workspaces. With a thousand workspaces, a reconcile or a watch event that
// lists the whole fleet costs more than everything else it does; these answer the questions
// asked on every reconcile by reading only the workspaces concerned.
const (
	// platformIndex: the name of the platform a workspace uses.
	platformIndex = "spec.platform"
	// hostIndex: the hosts a workspace claims or holds, and their zones (conflict.Checker.IndexHosts).
	hostIndex = "rathaus.hosts"
	// domainIndex: a workspace's domain (conflict.IndexDomain).
	domainIndex = "rathaus.domain"
	// keyIndex: a workspace's municipalityKey (AGS).
	keyIndex = "rathaus.municipalityKey"
	// conflictIndex: "true" for a workspace stalled by a conflict.
	conflictIndex = "rathaus.conflict"
)

// workspaceIndexes are the indexes above and how each is computed.
func (r *WorkspaceReconciler) workspaceIndexes() map[string]func(*rathausv1alpha1.MunicipalityWorkspace) []string {
	return map[string]func(*rathausv1alpha1.MunicipalityWorkspace) []string{
		platformIndex: func(ws *rathausv1alpha1.MunicipalityWorkspace) []string { return []string{ws.PlatformName()} },
		hostIndex:     r.conflicts().IndexHosts,
		domainIndex:   conflict.IndexDomain,
		keyIndex: func(ws *rathausv1alpha1.MunicipalityWorkspace) []string {
			if ws.Spec.MunicipalityKey == "" {
				return nil
			}
			return []string{ws.Spec.MunicipalityKey}
		},
		conflictIndex: func(ws *rathausv1alpha1.MunicipalityWorkspace) []string {
			if conflict.IsConflict(stalledReason(ws)) {
				return []string{"true"}
			}
			return nil
		},
	}
}

// SetupWithManager registers the reconciler and its watches. Workspaces trigger a reconcile
// when created (behind those under way, workspace_priority.go) and when their spec
// (generation) or annotations change; children, platforms and releases map back to the
// workspaces they concern.
func (r *WorkspaceReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	rulebook, err := rulebookOf(r.Components)
	if err != nil {
		return err
	}
	r.rulebook = rulebook
	if r.compliance == nil {
		r.compliance = newComplianceSubmitter(nil)
	}
	r.inventory = inventoryOf(r.Components, mgr.GetScheme())
	indexes := r.workspaceIndexes()
	for _, name := range slices.Sorted(maps.Keys(indexes)) {
		values := indexes[name]
		if err := mgr.GetFieldIndexer().IndexField(context.Background(), &rathausv1alpha1.MunicipalityWorkspace{}, name,
			func(o client.Object) []string { return values(o.(*rathausv1alpha1.MunicipalityWorkspace)) }); err != nil {
			return err
		}
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("municipalityworkspace").
		WithOptions(opts).
		For(&rathausv1alpha1.MunicipalityWorkspace{}, builder.WithPredicates(notCreated(),
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&rathausv1alpha1.MunicipalityWorkspace{}, newWorkspacesLast()).
		// A change of one workspace can settle another's conflict: a new spec, hosts given up
		// (status.hosts), or its deletion.
		Watches(&rathausv1alpha1.MunicipalityWorkspace{}, handler.EnqueueRequestsFromMapFunc(r.conflictingWorkspaces),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, hostsChangedPredicate(), deletedPredicate()))).
		// A step that ends may free a slot or let canaries vouch for others (workspace_upgrade.go).
		Watches(&rathausv1alpha1.MunicipalityWorkspace{}, handler.EnqueueRequestsFromMapFunc(r.waitingWorkspaces), builder.WithPredicates(stepFinished())).
		Watches(&rathausv1alpha1.WorkspacePlatform{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOfPlatform),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, placementChanged()))).
		Watches(&rathausv1alpha1.StackRelease{}, handler.EnqueueRequestsFromMapFunc(r.allWorkspaces)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(namespaceWorkspace))
	if r.platformSecrets != nil {
		// A platform's Secret that changes (a rotated key), or appears after its workspaces
		// stalled for want of it.
		b = b.WatchesRawSource(source.Channel(r.platformSecrets.changed, handler.EnqueueRequestsFromMapFunc(r.platformsNaming)))
	}
	inv := r.inventory
	for _, gvk := range inv.managed {
		obj, err := inv.object(mgr.GetScheme(), gvk)
		if err != nil {
			return err
		}
		b = b.Watches(obj, handler.EnqueueRequestsFromMapFunc(ownerWorkspace), builder.WithPredicates(cachedContentChanged()))
	}
	return b.Complete(r)
}

// ownerWorkspace maps a managed object to its workspace by inventory label; the cache only
// holds objects with the operator's label, so foreign objects never get here.
func ownerWorkspace(_ context.Context, obj client.Object) []reconcile.Request {
	name := ownership.WorkspaceOf(obj)
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}}}
}

func namespaceWorkspace(_ context.Context, obj client.Object) []reconcile.Request {
	name := ownership.WorkspaceOf(obj)
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetName(), Name: name}}}
}

// conflictingWorkspaces returns the workspaces stalled by a conflict: a change of any other
// workspace may have freed what they claim.
func (r *WorkspaceReconciler) conflictingWorkspaces(ctx context.Context, changed client.Object) []reconcile.Request {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{conflictIndex: "true"}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		ws := &list.Items[i]
		if ws.Namespace == changed.GetNamespace() && ws.Name == changed.GetName() {
			continue
		}
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(ws)})
	}
	return out
}

// conflictCandidates are the workspaces that can take part in a conflict of ws
// (conflict.Relevant): those in its namespace, those claiming or holding a host it claims or a
// name inside them, and those whose domain a host it claims lies in.
// They are shared with the cache and must not be changed.
func (r *WorkspaceReconciler) conflictCandidates(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) ([]rathausv1alpha1.MunicipalityWorkspace, error) {
	seen := map[types.NamespacedName]bool{}
	var out []rathausv1alpha1.MunicipalityWorkspace
	add := func(opts ...client.ListOption) error {
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := r.Client.List(ctx, &list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
			return err
		}
		for _, other := range list.Items {
			if key := client.ObjectKeyFromObject(&other); !seen[key] {
				seen[key] = true
				out = append(out, other)
			}
		}
		return nil
	}
	if err := add(client.InNamespace(ws.Namespace)); err != nil {
		return nil, err
	}
	if k := ws.Spec.MunicipalityKey; k != "" {
		if err := add(client.MatchingFields{keyIndex: k}); err != nil {
			return nil, err
		}
	}
	hosts, domains := r.conflicts().Lookups(ws)
	for _, h := range hosts {
		if err := add(client.MatchingFields{hostIndex: h}); err != nil {
			return nil, err
		}
	}
	for _, d := range domains {
		if err := add(client.MatchingFields{domainIndex: d}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *WorkspaceReconciler) workspacesOfPlatform(ctx context.Context, platform client.Object) []reconcile.Request {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{platformIndex: platform.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return requestsFor(list.Items)
}

// allWorkspaces answers a change of the release catalog, which any workspace's channel may see.
func (r *WorkspaceReconciler) allWorkspaces(ctx context.Context, _ client.Object) []reconcile.Request {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return requestsFor(list.Items)
}

func requestsFor(items []rathausv1alpha1.MunicipalityWorkspace) []reconcile.Request {
	out := make([]reconcile.Request, 0, len(items))
	for i := range items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&items[i])})
	}
	return out
}

// hostsChangedPredicate passes updates that change the hosts a workspace holds.
func hostsChangedPredicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldWS, okOld := e.ObjectOld.(*rathausv1alpha1.MunicipalityWorkspace)
			newWS, okNew := e.ObjectNew.(*rathausv1alpha1.MunicipalityWorkspace)
			return okOld && okNew && !slices.Equal(oldWS.Status.Hosts, newWS.Status.Hosts)
		},
	}
}

// placementChanged passes platform updates that make workspaces placeable or not.
func placementChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldP, okOld := e.ObjectOld.(*rathausv1alpha1.WorkspacePlatform)
			newP, okNew := e.ObjectNew.(*rathausv1alpha1.WorkspacePlatform)
			return okOld && okNew && residency.Blocked(oldP) != residency.Blocked(newP)
		},
	}
}

// cachedContentChanged passes every event of a workspace's objects but an update that changed
// nothing of what the cache holds of the object apart from its resourceVersion: a status the
// cache drops (keptOf: a quota's usage, a Deployment's conditions), rewritten by its controller
// again and again while the workspace has nothing to do. A change of the object's content
// changes its fingerprint, and a periodic resync (the same resourceVersion) passes, so drift
// is still found.
func cachedContentChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		if e.ObjectOld.GetResourceVersion() == e.ObjectNew.GetResourceVersion() {
			return true
		}
		// The cache's own objects: compared as their readers get them (typedView), the old
		// one with the new resourceVersion.
		old, cur := typedView(e.ObjectOld), typedView(e.ObjectNew)
		old.SetResourceVersion(cur.GetResourceVersion())
		return !equality.Semantic.DeepEqual(old, cur)
	}}
}

// deletedPredicate passes only deletions.
func deletedPredicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
	}
}
