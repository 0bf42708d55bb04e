package desired

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
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
		Workspace: workspaceView{ws.Name, ws.Namespace, ws.UID, ws.Generation, ws.Spec, ws.Status},
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
		view.Observed = append(view.Observed, key+"@"+in.Observed[key].GetResourceVersion())
	}
	for _, p := range in.BackupPods {
		view.BackupPods = append(view.BackupPods, p.Name+"@"+p.ResourceVersion)
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

// metaView is the metadata of the platform and the release, without what the API server
// keeps for itself (managed fields, resource version), so that a write that changes nothing
// a renderer could read leaves the digest alone.
func metaView(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, Generation: m.Generation, Labels: m.Labels, Annotations: m.Annotations}
}
