package stalwart

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// ReleaseComponents implements stack.Released. Stalwart migrates its data store forward on
// start (its upgrading notes); there is no way back. stalwart-cli only configures it.
func (Engine) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{
		{Name: ReleaseComponent, Upgrade: stack.ForwardOnly, Stateful: true},
		{Name: CLIReleaseComponent, Upgrade: stack.ForwardOnly},
	}
}

// Kinds implements stack.KindOwner.
func (Engine) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.StatefulSetKind, kit.JobKind, kit.ServiceKind, kit.ConfigMapKind, kit.PersistentVolumeClaimKind}
}
