package controllers

import (
	"maps"
	"sync"
	"unique"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// settledWorkspaces remembers, per workspace, the inputs (desired.InputsDigest) of the last
// reconcile that found every desired object as desired and wrote nothing. A reconcile with the
// same digest would render the same objects and compare them with the same cluster objects
// (each observed object's resource version is in the digest, and any change gives a new one),
// so it can skip both: the no-op reconcile of a settled workspace costs reading the inputs
// from the cache and one digest, not rendering and comparing a hundred objects.
//
// It holds per workspace a digest and the identity of each desired object (what judging the
// components' health needs): 5.5 MB for 1,000 workspaces in the heap profile, not the objects.
type settledWorkspaces struct {
	mu   sync.Mutex
	byWS map[types.NamespacedName]settled
	// looked are the workspaces whose status.settledDigest this process has compared: only
	// its first reconcile of a workspace can find one newer than its own memory.
	looked map[types.NamespacedName]bool
}

// settled is what a reconcile that changed nothing left for the next one.
type settled struct {
	inputs             string
	objects            []settledObject
	objectsFingerprint string
	// reported is true once the status holds what the reporters of the inputs alone
	// (stack.InputsOnlyReporter) say of these inputs: a reconcile from them found the status
	// it computed already written, or, resumed after a restart, the status that recorded the
	// settled digest was written with their reports.
	reported bool
}

// settledObject is a desired object's identity and component.
type settledObject struct {
	apiVersion, kind, namespace, name, component string
}

// newSettledObject is an object's identity with the strings a workspace's objects share
// (apiVersion, kind, namespace, component) interned: a thousand workspaces remember a
// hundred thousand of them.
func newSettledObject(apiVersion, kind, namespace, name, component string) settledObject {
	intern := func(s string) string { return unique.Make(s).Value() }
	return settledObject{intern(apiVersion), intern(kind), intern(namespace), name, intern(component)}
}

// lookup returns what was settled for ws if its inputs are still inputs.
func (s *settledWorkspaces) lookup(ws types.NamespacedName, inputs string) (settled, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	got, ok := s.byWS[ws]
	return got, ok && got.inputs == inputs
}

// record notes that the reconcile of ws from inputs found objs as desired and wrote nothing.
func (s *settledWorkspaces) record(ws types.NamespacedName, inputs string, objs []*unstructured.Unstructured, objectsFingerprint string) {
	entry := settled{inputs: inputs, objects: make([]settledObject, len(objs)), objectsFingerprint: objectsFingerprint}
	for i, u := range objs {
		entry.objects[i] = newSettledObject(u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName(), u.GetLabels()[ownership.ComponentLabel])
	}
	s.put(ws, entry)
}

// put remembers entry as what was settled for ws.
func (s *settledWorkspaces) put(ws types.NamespacedName, entry settled) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byWS == nil {
		s.byWS = map[types.NamespacedName]settled{}
	}
	s.byWS[ws] = entry
}

// markReported notes that ws's status holds what the reporters of the inputs alone say of
// inputs (settled.reported), when inputs are what was settled for ws.
func (s *settledWorkspaces) markReported(ws types.NamespacedName, inputs string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byWS[ws]; ok && e.inputs == inputs {
		e.reported = true
		s.byWS[ws] = e
	}
}

// drop forgets what was settled for ws: a reconcile of it renders.
func (s *settledWorkspaces) drop(ws types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byWS, ws)
}

// forget drops all that is known of ws: it is gone.
func (s *settledWorkspaces) forget(ws types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byWS, ws)
	delete(s.looked, ws)
}

// firstLook reports whether this is the process's first look at ws's status.settledDigest.
func (s *settledWorkspaces) firstLook(ws types.NamespacedName) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.looked[ws] {
		return false
	}
	if s.looked == nil {
		s.looked = map[types.NamespacedName]bool{}
	}
	s.looked[ws] = true
	return true
}

// stubs are the settled objects as health.Components reads them: kind, namespace, name and
// component label.
func (e settled) stubs() []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(e.objects))
	for i, o := range e.objects {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(o.apiVersion)
		u.SetKind(o.kind)
		u.SetNamespace(o.namespace)
		u.SetName(o.name)
		u.SetLabels(map[string]string{ownership.ComponentLabel: o.component})
		out[i] = u
	}
	return out
}

// allObserved reports whether every settled object is among the observed ones: only theirs
// are resource versions the digest holds.
func (e settled) allObserved(observed map[string]client.Object) bool {
	for _, o := range e.objects {
		if _, ok := observed[stack.Key(o.kind, o.namespace, o.name)]; !ok {
			return false
		}
	}
	return true
}

// settledState is, when the workspace's inputs are those of a reconcile that found every
// object as desired and wrote nothing (settledWorkspaces, or after a restart the workspace's
// status.settledDigest), the desired objects' identities and their cached objects; nil
// otherwise. checked are objects this reconcile has already found as desired outside the
// inventory (the namespace).
func (r *WorkspaceReconciler) settledState(ws types.NamespacedName, status *rathausv1alpha1.MunicipalityWorkspaceStatus, digest string, in stack.Inputs, checked map[string]client.Object, res *stackResult) ([]*unstructured.Unstructured, map[string]client.Object) {
	s, ok := r.settled.lookup(ws, digest)
	if !ok {
		if s, ok = r.resumeFromStatus(ws, status, digest, in, checked); !ok {
			return nil, nil
		}
		r.settled.put(ws, s)
	}
	observed := make(map[string]client.Object, len(in.Observed)+len(checked))
	maps.Copy(observed, in.Observed)
	maps.Copy(observed, checked)
	if !s.allObserved(observed) {
		return nil, nil
	}
	metrics.SettledReconciles.Inc()
	res.reported = s.reported
	res.objectsFingerprint = s.objectsFingerprint
	res.release = in.Release.Spec.Version
	return s.stubs(), observed
}
