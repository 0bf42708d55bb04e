package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// finalize removes a deleted workspace's stack per its deletion policy and then lets the
// workspace go. With Retain, volumes and generated credentials stay (they have no owner
// reference, so garbage collection leaves them too); a workspace created again under the same
// name picks them up.
func (r *WorkspaceReconciler) finalize(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) error {
	if !controllerutil.ContainsFinalizer(ws, ownership.Finalizer) {
		return nil
	}
	policy := ws.EffectiveDeletionPolicy()
	retained := 0
	// Read past the cache: an object created moments ago must not be missed.
	err := r.forEachOwned(ctx, r.APIReader, ws, func(kind string, obj client.Object) error {
		if ownership.IsData(obj) && policy != rathausv1alpha1.DeletionPolicyDelete {
			retained++
			return nil
		}
		return r.delete(ctx, obj)
	}, false)
	if err != nil {
		return err
	}
	if err := r.releaseNamespace(ctx, ws); err != nil {
		return err
	}
	if retained > 0 {
		r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, rathausv1alpha1.ReasonDataRetained, "Delete",
			"deletionPolicy is Retain: kept %d volumes and credentials", retained)
	}
	log.FromContext(ctx).Info("Workspace stack removed", "deletionPolicy", policy, "retained", retained)

	patch := client.MergeFrom(ws.DeepCopy())
	controllerutil.RemoveFinalizer(ws, ownership.Finalizer)
	if err := r.Client.Patch(ctx, ws, patch); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("removing finalizer: %w", err))
	}
	return nil
}

// releaseNamespace gives up the namespace labels the operator set (Pod Security Admission and
// inventory): applying an empty configuration under the operator's field manager removes
// exactly the fields it owns and nothing else. Only the workspace the namespace belongs to
// may do so; a workspace that lost a NamespaceConflict must not strip the holder's labels.
func (r *WorkspaceReconciler) releaseNamespace(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) error {
	name := ws.Namespace
	ns := &corev1.Namespace{}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Name: name}, ns); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !ns.DeletionTimestamp.IsZero() || ownership.WorkspaceOf(ns) != ws.Name {
		return nil
	}
	empty := &unstructured.Unstructured{}
	empty.SetAPIVersion("v1")
	empty.SetKind("Namespace")
	empty.SetName(name)
	err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(empty), client.FieldOwner(ownership.FieldOwner), client.ForceOwnership)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("releasing namespace labels: %w", err)
	}
	return nil
}
