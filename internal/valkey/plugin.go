package valkey

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// ReleaseComponents implements stack.Released: the cache holds sessions and locks only, which
// may be lost.
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{{Name: ReleaseComponent, Upgrade: stack.ForwardOnly}}
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.DeploymentKind, kit.ServiceKind, kit.SecretKind, kit.NetworkPolicyKind}
}
