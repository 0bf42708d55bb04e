package controllers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

// applyAll applies every desired object that is not already as desired. Objects are compared
// with the cache first, so a settled workspace costs no write at all. It returns, by
// desired.Key, the cached objects that were up to date and, apart, the API server's responses
// to the applies: the object as it is right after the write, which the cache shows only a
// moment later. Judging health from the responses makes the status of the pass that wrote say
// what the objects wait for (a rollout, a bound claim) instead of that the cache has not seen
// them, which the next reconcile would report differently in a status patch of its own.
// Objects of snapshot (the inventory the reconcile rendered from, by desired.Key) are compared
// as the snapshot holds them, so that the health judged and the settled digest recorded are
// of the objects the stack was rendered from, not of newer ones the cache got meanwhile;
// others are read from the cache. An object the API server rejects as invalid is a problem
// of the input, reported as such; other errors are transient.
func (r *WorkspaceReconciler) applyAll(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, objs []*unstructured.Unstructured, snapshot map[string]client.Object) (observed, written map[string]client.Object, _ *status.Problem, _ error) {
	observed = make(map[string]client.Object, len(objs))
	written = map[string]client.Object{}
	// Asked only when an object is unknown to this process (it has just started).
	vouched := sync.OnceValues(func() (bool, error) { return r.vouchedByStatus(ctx, ws, objs) })
	for _, u := range objs {
		current, upToDate, err := r.upToDate(ctx, ws, u, snapshot[desired.Key(u)], vouched)
		if err != nil {
			return nil, nil, nil, err
		}
		if upToDate {
			observed[desired.Key(u)] = current
			continue
		}
		log.FromContext(ctx).V(1).Info("Applying object", "object", desired.Key(u))
		applied := u.DeepCopy()
		err = retry.OnError(admissionLag, deniedForUnlabelledNamespace, func() error {
			return r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(applied), client.FieldOwner(ownership.FieldOwner), client.ForceOwnership)
		})
		switch {
		case err == nil:
			if err := r.rememberApplied(ws, u, applied); err != nil {
				return nil, nil, nil, err
			}
			written[desired.Key(u)] = asObserved(r.Client.Scheme(), applied)
		case apierrors.IsInvalid(err):
			return nil, nil, &status.Problem{Reason: rathausv1alpha1.ReasonApplyRejected, Message: fmt.Sprintf("the API server rejected %s %s: %v", u.GetKind(), u.GetName(), err)}, nil
		default:
			return nil, nil, nil, fmt.Errorf("applying %s: %w", desired.Key(u), err)
		}
	}
	return observed, written, nil, nil
}

// asObserved is an apply's response as the cache would hold it, typed for the kinds of the
// scheme, for judging health (health.Judged reads typed workloads); other operators' kinds
// stay unstructured, as the cache holds them.
func asObserved(scheme *runtime.Scheme, applied *unstructured.Unstructured) client.Object {
	typed, err := scheme.New(applied.GroupVersionKind())
	if err != nil {
		return applied
	}
	obj, ok := typed.(client.Object)
	if !ok || runtime.DefaultUnstructuredConverter.FromUnstructured(applied.UnstructuredContent(), obj) != nil {
		return applied
	}
	return obj
}

// converge renders the desired state from in, applies what is not as desired and prunes what
// is no longer desired; ok is false when res says why it could not. A pass that wrote nothing
// is remembered as settled under digest, the digest of in.
func (r *WorkspaceReconciler) converge(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, in stack.Inputs, digest string, res *stackResult) (objs []*unstructured.Unstructured, observed map[string]client.Object, ok bool) {
	wsKey := client.ObjectKeyFromObject(ws)
	r.settled.drop(wsKey)
	objs, err := desired.State(in, r.Components)
	if err != nil {
		var invalid *desired.InvalidInputError
		if errors.As(err, &invalid) {
			reason := rathausv1alpha1.ReasonInvalidSpec
			if r := invalid.Reason(); r != "" {
				reason = r // the platform lacks what a component needs, e.g. shared storage
			}
			res.outcome.Stalled = &status.Problem{Reason: reason, Message: invalid.Error()}
		} else {
			res.outcome.Err = err
		}
		return nil, nil, false
	}
	observed, written, problem, err := r.applyAll(ctx, ws, objs, in.Observed)
	if err != nil || problem != nil {
		res.outcome = status.Outcome{Stalled: problem, Err: err}
		return nil, nil, false
	}
	res.objectsFingerprint = r.objectsFingerprint(ws, objs)
	res.release = in.Release.Spec.Version
	pruned, err := r.prune(ctx, ws, in.Observed, objs, keptBeside(in))
	if err != nil {
		res.outcome.Err = err
		return nil, nil, false
	}
	if len(written) == 0 && !pruned && res.objectsFingerprint != "" {
		r.settled.record(wsKey, digest, objs, res.objectsFingerprint)
		res.settledAnew = true
	}
	maps.Copy(observed, written)
	return objs, observed, true
}

// keptBeside are the keys of the objects the workspace keeps besides its desired ones: the
// generated Secrets still needed, which are created once and never applied, and the
// compliance credential a clearing house issued while the platform names one.
func keptBeside(in stack.Inputs) []string {
	var out []string
	for _, name := range secrets.Names(in.Credentials) {
		out = append(out, stack.Key("Secret", in.Workspace.Namespace, name))
	}
	if gaiax.ComplianceService(in) != "" {
		out = append(out, stack.Key("ConfigMap", in.Workspace.Namespace, gaiax.ComplianceConfigMapName))
	}
	return out
}

// upToDate compares the desired object with observed, its cached object as the reconcile's
// snapshot holds it, or when nil as the cache holds it now: typed for the kinds of the
// scheme, so that no second (unstructured) informer is started per kind; unstructured for
// kinds of other operators (CloudNativePG's Cluster). A whole cached object is compared with
// the desired one; a trimmed one (trimForCache) by its fingerprint.
func (r *WorkspaceReconciler) upToDate(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, u *unstructured.Unstructured, observed client.Object, vouched func() (bool, error)) (client.Object, bool, error) {
	if observed == nil {
		var err error
		if observed, err = r.cached(ctx, u); observed == nil || err != nil {
			return nil, false, err
		}
	}
	fp, trimmed := observed.GetAnnotations()[apply.FingerprintAnnotation]
	if !trimmed {
		upToDate, err := apply.UpToDate(u, observed)
		return observed, upToDate, err
	}
	hash := u.GetAnnotations()[ownership.HashAnnotation]
	if observed.GetAnnotations()[ownership.HashAnnotation] != hash {
		return observed, false, nil
	}
	wsKey, key := client.ObjectKeyFromObject(ws), desired.Key(u)
	if match, known := r.fingerprints.matches(wsKey, key, hash, fp); known {
		return observed, match, nil
	}
	if ok, err := vouched(); err != nil || ok {
		if ok {
			r.fingerprints.record(wsKey, key, hash, fp)
		}
		return observed, ok, err
	}
	// Neither this process nor the workspace's status knows the object (an operator started
	// on a workspace it had not settled): the API server's whole copy decides, once.
	whole, err := r.Client.Scheme().New(u.GroupVersionKind())
	if err != nil {
		return nil, false, err
	}
	live := whole.(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(u), live); err != nil {
		return nil, false, client.IgnoreNotFound(err)
	}
	upToDate, err := apply.UpToDate(u, live)
	if err != nil || !upToDate {
		return observed, false, err
	}
	liveFP, err := apply.Fingerprint(live)
	if err != nil {
		return nil, false, err
	}
	r.fingerprints.record(wsKey, key, hash, liveFP)
	return observed, true, nil
}

// cached reads the object from the cache; nil when it is not there.
func (r *WorkspaceReconciler) cached(ctx context.Context, u *unstructured.Unstructured) (client.Object, error) {
	var observed client.Object
	if obj, err := r.Client.Scheme().New(u.GroupVersionKind()); err == nil {
		typed, ok := obj.(client.Object)
		if !ok {
			return nil, fmt.Errorf("kind %s is not an object", u.GroupVersionKind())
		}
		observed = typed
	} else {
		foreign := &unstructured.Unstructured{}
		foreign.SetGroupVersionKind(u.GroupVersionKind())
		observed = foreign
	}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, observed)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", desired.Key(u), err)
	}
	return observed, nil
}

// owned returns the workspace's objects as the cache holds them, by stack.Key. Renderers read
// them (e.g. the address a load balancer got) and prune compares them with the desired state.
// Objects the cache keeps whole are the cache's own, not copies: copying a hundred objects
// was most of what a reconcile with nothing to do cost, in CPU and garbage. No one writes into
// them (TestRenderingLeavesObservedObjectsAlone; a generated Secret is completed on a copy),
// and typed ones carry no apiVersion and kind. Those of trimmed kinds are the small typed
// objects their records stand for (cachedRecord), made anew for each read.
func (r *WorkspaceReconciler) owned(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) (map[string]client.Object, error) {
	out := map[string]client.Object{}
	err := r.forEachOwned(ctx, r.Client, ws, func(kind string, obj client.Object) error {
		out[stack.Key(kind, obj.GetNamespace(), obj.GetName())] = obj
		return nil
	}, true)
	return out, err
}

// prune deletes the workspace's objects (from owned) that are no longer desired: found by
// their inventory labels, never by name patterns. Objects holding data survive unless the
// deletion policy is Delete; the generated Secrets still needed (secretNames) always survive.
// It reports whether it deleted anything.
func (r *WorkspaceReconciler) prune(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, owned map[string]client.Object, objs []*unstructured.Unstructured, kept []string) (bool, error) {
	deleted := false
	keep := make(map[string]bool, len(objs)+len(kept))
	for _, u := range objs {
		keep[desired.Key(u)] = true
	}
	for _, key := range kept {
		keep[key] = true
	}
	for _, key := range slices.Sorted(maps.Keys(owned)) {
		obj := owned[key]
		if keep[key] || ownership.IsData(obj) && ws.EffectiveDeletionPolicy() != rathausv1alpha1.DeletionPolicyDelete {
			continue
		}
		if !obj.GetDeletionTimestamp().IsZero() {
			continue // already going, e.g. a claim held by its pvc-protection finalizer
		}
		log.FromContext(ctx).Info("Deleting object no longer desired", "object", key)
		if err := r.delete(ctx, obj); err != nil {
			return true, err
		}
		deleted = true
	}
	return deleted, nil
}

// forEachOwned calls fn for every object of a managed kind in the workspace's namespace that
// carries the workspace's inventory labels: the typed kinds, and the foreign kinds whose CRDs
// the cluster has. Objects another controller made from the workspace's objects, with their
// labels, are not the workspace's (ownership.ControlledByAnother). With cacheShared, fn gets
// the cache's own objects where the cache holds them as they are read, and must not write
// into them.
func (r *WorkspaceReconciler) forEachOwned(ctx context.Context, reader client.Reader, ws *rathausv1alpha1.MunicipalityWorkspace, fn func(kind string, obj client.Object) error, cacheShared bool) error {
	scheme, inv := r.Client.Scheme(), r.inventory
	opts := []client.ListOption{client.InNamespace(ws.Namespace), client.MatchingLabelsSelector{Selector: ownership.WorkspaceSelector(ws.Name)}}
	shared := append(slices.Clip(opts), client.UnsafeDisableDeepCopy)
	visit := func(kind string, list client.ObjectList, trimmed bool) error {
		opts := opts
		if cacheShared && !trimmed {
			opts = shared
		}
		if err := reader.List(ctx, list, opts...); err != nil {
			return fmt.Errorf("listing owned %s objects: %w", kind, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, item := range items {
			if obj, ok := item.(client.Object); ok && !ownership.ControlledByAnother(obj) {
				if err := fn(kind, obj); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, gvk := range inv.managed {
		list, err := inv.list(scheme, gvk)
		if err != nil {
			return err
		}
		if err := visit(gvk.Kind, list, trimmedKind(scheme, gvk)); err != nil {
			return err
		}
	}
	for _, gvk := range inv.foreign {
		installed, err := r.capabilities.installed(gvk)
		if err != nil {
			return err
		}
		if !installed {
			continue // nothing of that kind can exist
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := visit(gvk.Kind, list, false); err != nil {
			return err
		}
	}
	return nil
}

// delete removes obj if it is still the object that was read (UID precondition), in the
// background so that the reconcile does not wait for dependents. An object already being
// deleted costs no further request.
func (r *WorkspaceReconciler) delete(ctx context.Context, obj client.Object) error {
	if !obj.GetDeletionTimestamp().IsZero() {
		return nil
	}
	uid := obj.GetUID()
	err := r.Client.Delete(ctx, obj, client.PropagationPolicy("Background"), client.Preconditions{UID: &uid})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
	}
	return nil
}
