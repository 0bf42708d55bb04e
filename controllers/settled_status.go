package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// A restarted operator remembers no settled workspace (settledWorkspaces lives in memory), so
// it would render the whole fleet once, the bulk of a restart's time and memory. The status
// field settledDigest carries what a settled reconcile found across the restart: the digest
// of the operator's build, the inputs as the next reconcile reads them (with the status just
// written; each observed object by its cached content, desired.DurableInputsDigest) and the
// keys of the desired objects. A restarted operator resumes a workspace without rendering
// when the same digest comes out of what it reads: the inputs from its cache, and as desired
// objects the workspace's observed ones but those it keeps beside them. Equal inputs render
// equal objects (TestStateReadsNoObservedResourceVersion holds renderers to the content), so
// resuming judges the same objects a render would.

// resumeBasis is what a reconcile that settled anew makes status.settledDigest from.
type resumeBasis struct {
	in   stack.Inputs
	keys []string
}

// settledDigestOf is the value of status.settledDigest.
func settledDigestOf(build, inputs string, keys []string) string {
	h := sha256.New()
	h.Write([]byte(build + "\n" + inputs + "\n" + strings.Join(keys, "\n")))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// restorable are the objects a restarted operator takes as a settled workspace's desired ones:
// the observed objects and those checked outside the inventory (the namespace), but those
// kept beside the desired ones, in key order.
func (r *WorkspaceReconciler) restorable(in stack.Inputs, checked map[string]client.Object) []settledObject {
	kept := keptBeside(in)
	all := make(map[string]client.Object, len(in.Observed)+len(checked))
	maps.Copy(all, in.Observed)
	maps.Copy(all, checked)
	out := make([]settledObject, 0, len(all))
	for _, key := range slices.Sorted(maps.Keys(all)) {
		obj := all[key]
		if slices.Contains(kept, key) {
			continue
		}
		apiVersion := ""
		if gvk, err := apiutil.GVKForObject(obj, r.Client.Scheme()); err == nil {
			apiVersion = gvk.GroupVersion().String()
		}
		kind, _, _ := strings.Cut(key, "/")
		out = append(out, newSettledObject(apiVersion, kind, obj.GetNamespace(), obj.GetName(), obj.GetLabels()[ownership.ComponentLabel]))
	}
	return out
}

// keysOf are the objects' keys, in their order.
func keysOf(objs []settledObject) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = stack.Key(o.kind, o.namespace, o.name)
	}
	return out
}

// resumeFromStatus is, on this process's first reconcile of ws, what status.settledDigest
// vouches for as settled, when it does; it is then remembered under digest, the inputs'
// (non-durable) digest.
func (r *WorkspaceReconciler) resumeFromStatus(ws types.NamespacedName, st *rathausv1alpha1.MunicipalityWorkspaceStatus, digest string, in stack.Inputs, checked map[string]client.Object) (settled, bool) {
	if r.BuildID == "" || st.SettledDigest == "" || !r.settled.firstLook(ws) {
		return settled{}, false
	}
	durable, err := desired.DurableInputsDigest(in)
	if err != nil {
		return settled{}, false // rendering finds out what is wrong
	}
	objects := r.restorable(in, checked)
	if settledDigestOf(r.BuildID, durable, keysOf(objects)) != st.SettledDigest {
		return settled{}, false
	}
	// recordSettled puts the settled digest only into a status being written, the reporters'
	// reports among it.
	return settled{inputs: digest, objects: objects, objectsFingerprint: st.ObjectsFingerprint, reported: true}, true
}

// resumeBasis is, for a reconcile that settled anew, when a restarted operator would judge the
// same from its cache (the restorable objects are exactly the desired ones, and judged in key
// order they report the same), what status.settledDigest is made from; nil otherwise, and a
// restart then renders the workspace as before.
func (r *WorkspaceReconciler) resumeBasis(in stack.Inputs, checked map[string]client.Object, objs []*unstructured.Unstructured, observed map[string]client.Object, reports []health.Report) *resumeBasis {
	if r.BuildID == "" {
		return nil
	}
	restored := r.restorable(in, checked)
	keys := keysOf(restored)
	rendered := make([]string, len(objs))
	for i, u := range objs {
		rendered[i] = desired.Key(u)
	}
	slices.Sort(rendered)
	if !slices.Equal(keys, rendered) {
		return nil
	}
	stubs := settled{objects: restored}.stubs()
	if !reflect.DeepEqual(health.Components(in, r.Components, stubs, observed), reports) {
		return nil
	}
	return &resumeBasis{in: in, keys: keys}
}

// recordSettled puts the settled digest of basis into the status st, when st is written
// anyway: it never costs a write of its own. A workspace that settles without a status change
// (what the operator reads of one of its objects changed, but not its health) keeps an
// outdated digest, and a restart renders it, as every restart did before; a write per such
// change would instead cost a settled fleet writes at rest, and a resync writes.
func (r *WorkspaceReconciler) recordSettled(before *rathausv1alpha1.MunicipalityWorkspaceStatus, ws *rathausv1alpha1.MunicipalityWorkspace, st *rathausv1alpha1.MunicipalityWorkspaceStatus, resume func() *resumeBasis) {
	if resume == nil || equalStatus(before, st) {
		return
	}
	basis := resume()
	if basis == nil {
		return
	}
	next := *ws
	next.Status = *st
	in := basis.in
	in.Workspace = &next
	digest, err := desired.DurableInputsDigest(in)
	if err != nil {
		return // no digest, no resuming: a restart renders
	}
	st.SettledDigest = settledDigestOf(r.BuildID, digest, basis.keys)
}
