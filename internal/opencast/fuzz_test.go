package opencast

import (
	"errors"
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// FuzzRender renders arbitrary hosts, domains, sizes, storage classes and issuers: Render must
// not panic, must refuse multi-node tiers without shared storage with its reason, and every
// object must be applicable (kind, name, namespace).
func FuzzRender(f *testing.F) {
	f.Add("kiel.de", "", "S", "", "https://id.kiel.de/realms/kiel", "", true)
	f.Add("kiel.de", "tv.kiel.de", "L", "cephfs", "https://id.kiel.de:8443/realms/kiel", "registry.example.eu/m", true)
	f.Add("", "x", "XL", "", "::", "", false)
	f.Add("a", "", "XXL", "rwx", "", "", true)
	f.Fuzz(func(t *testing.T, domain, mediaHost, size, rwxClass, issuer, mirror string, identity bool) {
		in := inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Domain = domain
			in.Workspace.Spec.Size = rathausv1alpha1.SizeTier(size)
			in.Workspace.Spec.Services.Media.Host = mediaHost
			in.Platform.Spec.Storage.ReadWriteManyClass = rwxClass
			in.Platform.Spec.Registry.Mirror = mirror
			in.Identity = &stack.Identity{IssuerURL: issuer}
			if !identity {
				in.Identity = nil
			}
		})
		objs, err := Component{}.Render(in)
		if err != nil {
			var unmet *stack.UnmetError
			switch {
			case !identity:
			case errors.As(err, &unmet) && rwxClass == "" && unmet.Reason == rathausv1alpha1.ReasonSharedStorageMissing:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		for _, o := range objs {
			u, err := apply.Prepare(o)
			if err != nil {
				t.Fatal(err)
			}
			if u.GetKind() == "" || u.GetName() == "" || u.GetNamespace() == "" {
				t.Fatalf("object without kind, name or namespace: %s %q/%q", u.GetKind(), u.GetNamespace(), u.GetName())
			}
		}
	})
}
