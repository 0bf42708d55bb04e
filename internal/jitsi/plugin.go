package jitsi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
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
	if !enabled(in) {
		return nil
	}
	return []stack.Host{{Name: host(in), Ingress: true}}
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, kit.ConfigMapKind, kit.SecretKind, kit.NetworkPolicyKind}, web.Kinds...)
}

// Needs implements stack.CapabilityUser.
func (Component) Needs(_ *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	return web.Needs(p)
}
