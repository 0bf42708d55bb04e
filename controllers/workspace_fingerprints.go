package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// rememberApplied notes the fingerprint an apply left, from the API server's response, for
// the kinds the cache trims.
func (r *WorkspaceReconciler) rememberApplied(ws *rathausv1alpha1.MunicipalityWorkspace, u, applied *unstructured.Unstructured) error {
	if !trimmedKind(r.Client.Scheme(), u.GroupVersionKind()) {
		return nil
	}
	fp, err := apply.FingerprintOf(r.Client.Scheme(), applied)
	if err != nil {
		return err
	}
	r.fingerprints.record(client.ObjectKeyFromObject(ws), desired.Key(u), u.GetAnnotations()[ownership.HashAnnotation], fp)
	return nil
}

// vouchedByStatus reports whether the workspace's status.objectsFingerprint vouches for the
// cached trimmed objects this process knows nothing of: the digest of their cached
// fingerprints is the one the operator recorded when it last knew them all. That is what lets
// a restarted operator resync a settled fleet without a request.
func (r *WorkspaceReconciler) vouchedByStatus(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, objs []*unstructured.Unstructured) (bool, error) {
	recorded := ws.Status.ObjectsFingerprint
	if recorded == "" {
		return false, nil
	}
	wsKey := client.ObjectKeyFromObject(ws)
	entries := map[string]known{}
	unknown := false
	for _, u := range objs {
		if !trimmedKind(r.Client.Scheme(), u.GroupVersionKind()) {
			continue
		}
		observed, err := r.cached(ctx, u)
		if err != nil {
			return false, err
		}
		if observed == nil {
			return false, nil
		}
		hash, fp := observed.GetAnnotations()[ownership.HashAnnotation], observed.GetAnnotations()[apply.FingerprintAnnotation]
		if _, known := r.fingerprints.matches(wsKey, desired.Key(u), hash, fp); !known {
			unknown = true
		}
		entries[desired.Key(u)] = known{desiredHash: hash, fingerprint: fp}
	}
	return unknown && digestOf(entries) == recorded, nil
}

// objectsFingerprint is the digest of the trimmed objects among objs once every one of them
// is known, for status.objectsFingerprint; "" while one is not. It forgets objects no longer
// desired.
func (r *WorkspaceReconciler) objectsFingerprint(ws *rathausv1alpha1.MunicipalityWorkspace, objs []*unstructured.Unstructured) string {
	var keys []string
	for _, u := range objs {
		if trimmedKind(r.Client.Scheme(), u.GroupVersionKind()) {
			keys = append(keys, desired.Key(u))
		}
	}
	wsKey := client.ObjectKeyFromObject(ws)
	r.fingerprints.retain(wsKey, keys)
	return r.fingerprints.digest(wsKey, keys)
}
