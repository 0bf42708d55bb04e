package stalwart

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/stack"
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
	return []schema.GroupVersionKind{stack.StatefulSetKind, stack.JobKind, stack.ServiceKind, stack.ConfigMapKind, stack.PersistentVolumeClaimKind}
}
