package jitsi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ReleaseComponents implements stack.Released: Jitsi keeps no data of its own, so its images
// move freely forward.
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	var out []stack.ReleaseComponent
	for _, name := range []string{WebImage, ProsodyImage, JicofoImage, JVBImage, AdapterImage} {
		out = append(out, stack.ReleaseComponent{Name: name, Upgrade: stack.ForwardOnly})
	}
	return out
}

// Hosts implements stack.HostClaimer.
func (Component) Hosts(in stack.Inputs) []stack.Host {
	return kit.IngressHosts(enabled(in), host(in))
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, kit.ConfigMapKind, kit.SecretKind, kit.NetworkPolicyKind}, web.Kinds...)
}
