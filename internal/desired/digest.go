package desired

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// InputsDigest is a digest of everything State renders from: equal digests mean State would
// render the same objects. Of the workspace it takes what renderers read (name, namespace,
// UID, generation, spec and status), not its labels, annotations or resource version, so
// that an annotation or a status written elsewhere does not count as a change; of the
// observed objects and backup pods only their keys and resource versions, because any change
// the cluster makes to an object gives it a new resource version.
//
// The reconciler uses it to skip rendering and comparing a workspace whose inputs and objects
// are exactly as they were when it last found every object as desired.
func InputsDigest(in stack.Inputs) (string, error) {
	return inputsDigest(in, func(obj client.Object) (string, error) { return obj.GetResourceVersion(), nil })
}

// DurableInputsDigest is InputsDigest with each observed object and backup pod taken by its
// content, as the operator's cache holds it, instead of its resource version. The cache keeps
// of most kinds only what the operator reads, so this digest stays the same when the API
// server records a change the operator never reads (a CronJob's last schedule time, a status
// field nobody judges): what a restarted operator compares with status.settledDigest, which
// would otherwise be outdated by the cluster's own bookkeeping within minutes. It costs a
// marshalling of every observed object, so it is taken only when settling and on a restart.
func DurableInputsDigest(in stack.Inputs) (string, error) {
	return inputsDigest(in, contentDigest)
}

// contentDigest is a digest of obj without what the API server sets on every write, and
// without the status of workloads (unreadStatus).
func contentDigest(obj client.Object) (string, error) {
	obj = withoutUnreadStatus(obj)
	doc, typed, err := apply.ContentEncoding(obj)
	if err != nil {
		return "", err
	}
	if !typed {
		copied, ok := obj.DeepCopyObject().(client.Object)
		if !ok {
			return "", fmt.Errorf("%T is no object", obj)
		}
		copied.SetResourceVersion("")
		copied.SetManagedFields(nil)
		if doc, err = json.Marshal(copied); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:12]), nil
}

// inputsDigest is the digest of in with each observed object and backup pod as version says.
func inputsDigest(in stack.Inputs, version func(client.Object) (string, error)) (string, error) {
	ws := in.Workspace
	rest := in
	rest.Workspace, rest.Platform, rest.Release, rest.Observed, rest.BackupPods = nil, nil, nil, nil, nil
	view := struct {
		Workspace  workspaceView
		Platform   any
		Release    any
		Rest       stack.Inputs
		Observed   []string
		BackupPods []string
	}{
		Workspace: workspaceView{ws.Name, ws.Namespace, ws.UID, ws.Generation, ws.Spec, statusView(ws.Status)},
		Rest:      rest,
		Observed:  make([]string, 0, len(in.Observed)),
	}
	if p := in.Platform; p != nil {
		view.Platform = []any{metaView(p.ObjectMeta), p.Spec, p.Status}
	}
	if r := in.Release; r != nil {
		view.Release = []any{metaView(r.ObjectMeta), r.Spec}
	}
	for _, key := range slices.Sorted(maps.Keys(in.Observed)) {
		v, err := version(in.Observed[key])
		if err != nil {
			return "", fmt.Errorf("digest of %s: %w", key, err)
		}
		view.Observed = append(view.Observed, key+"@"+v)
	}
	for i := range in.BackupPods {
		v, err := version(&in.BackupPods[i])
		if err != nil {
			return "", fmt.Errorf("digest of backup pod %s: %w", in.BackupPods[i].Name, err)
		}
		view.BackupPods = append(view.BackupPods, in.BackupPods[i].Name+"@"+v)
	}
	slices.Sort(view.BackupPods)
	doc, err := json.Marshal(view)
	if err != nil {
		return "", fmt.Errorf("digest of the inputs: %w", err)
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:16]), nil
}

// workspaceView is what renderers read of a workspace.
type workspaceView struct {
	Name, Namespace string
	UID             types.UID
	Generation      int64
	Spec            rathausv1alpha1.MunicipalityWorkspaceSpec
	Status          rathausv1alpha1.MunicipalityWorkspaceStatus
}

// statusView is the status without status.settledDigest, which holds a digest of these
// inputs and so cannot be one of them.
func statusView(st rathausv1alpha1.MunicipalityWorkspaceStatus) rathausv1alpha1.MunicipalityWorkspaceStatus {
	st.SettledDigest = ""
	return st
}

// metaView is the metadata of the platform and the release, without what the API server
// keeps for itself (managed fields, resource version), so that a write that changes nothing
// a renderer could read leaves the digest alone.
func metaView(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, Generation: m.Generation, Labels: m.Labels, Annotations: m.Annotations}
}

// withoutUnreadStatus is obj without its status when no renderer reads it: that of
// Deployments and StatefulSets, which only the health judgement reads, afresh on every
// reconcile (TestStateReadsNoWorkloadStatus). Their controllers rewrite it after the
// workspace was found Ready (a condition's reason, a revision), which outdated the digest a
// settled workspace had recorded: a restarted operator then rendered it again. A shallow
// copy; obj is the cache's own.
func withoutUnreadStatus(obj client.Object) client.Object {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		c := *o
		c.Status = appsv1.DeploymentStatus{}
		return &c
	case *appsv1.StatefulSet:
		c := *o
		c.Status = appsv1.StatefulSetStatus{}
		return &c
	}
	return obj
}
