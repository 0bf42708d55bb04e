package opencast

import (
	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ReleaseComponents implements stack.Released. Opencast and OpenSearch migrate their data one
// major version at a time (Opencast upgrade guide; OpenSearch rolling upgrades between
// adjacent majors); the Opencast images are one release, one per node role. The OIDC proxy
// in front of the admin UI keeps nothing.
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	var out []stack.ReleaseComponent
	for _, name := range []string{AllInOneImage, AdminImage, PresentationImage, WorkerImage, OpenSearchImage} {
		out = append(out, stack.ReleaseComponent{Name: name, Upgrade: stack.OneMajorAtATime, Stateful: true})
	}
	return append(out, stack.ReleaseComponent{Name: ProxyImage, Upgrade: stack.ForwardOnly})
}

// Hosts implements stack.HostClaimer: the public engage UI and the admin UI.
func (Component) Hosts(in stack.Inputs) []stack.Host {
	return kit.IngressHosts(enabled(in), host(in), adminHost(in))
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, kit.StatefulSetKind, kit.ConfigMapKind, kit.SecretKind,
		kit.PersistentVolumeClaimKind, kit.NetworkPolicyKind}, web.Kinds...)
}

// BackupSources implements stack.BackedUp: the storage directory as the opencast user,
// without its scratch workspace, which Opencast refills (its administration guide's backup
// advice: the database and the storage directory; the search index is rebuilt from them).
func (Component) BackupSources(in stack.Inputs) []stack.BackupSource {
	if !enabled(in) {
		return nil
	}
	return []stack.BackupSource{{Store: rathausv1alpha1.BackupMedia, Claim: dataClaimName, UID: uid, Exclude: []string{"opencast/workspace"}, Colocate: nodesSelector(in)}}
}
