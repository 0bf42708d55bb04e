package desired

import (
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// FuzzState renders workspaces from arbitrary user input. Whatever the input, rendering must
// not panic, must be deterministic, and every object must be complete enough to apply. Input
// the API server would refuse still reaches here when admission is bypassed (an old CRD, a
// direct etcd write), so nothing is assumed valid.
func FuzzState(f *testing.F) {
	f.Add("kiel.de", "S", "", true, false, "", int32(0), "", "")
	f.Add("xn--mnchen-3ya.de", "XL", "cloud.example.de", true, true, "LoadBalancer", int32(20), "registry.example.eu/m", "External")
	f.Add("", "", "", false, false, "", int32(-1), "", "")
	f.Fuzz(func(t *testing.T, domain, size, filesHost string, files, publicRooms bool, exposure string, maxParticipants int32, mirror, identityMode string) {
		in := inputs(func(in *stack.Inputs) {
			ws := in.Workspace
			ws.Spec.Domain = domain
			ws.Spec.Size = rathausv1alpha1.SizeTier(size)
			ws.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: files, Host: filesHost}}
			ws.Spec.Services.Video = rathausv1alpha1.VideoService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: files}, PublicRooms: publicRooms, MaxParticipants: maxParticipants}
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityMode(identityMode), IssuerURL: "https://" + domain}
			ws.Spec.Services.Mail = rathausv1alpha1.MailService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: publicRooms}}
			ws.Spec.Admins = []string{filesHost + "@" + domain, filesHost}
			in.Platform.Spec.Mail.Exposure = rathausv1alpha1.MailExposure(exposure)
			in.Platform.Spec.DNS.IngressTargets = []string{mirror}
			in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposure(exposure)
			in.Platform.Spec.Registry.Mirror = mirror
		})
		derived, err := Derive(in, Components)
		if err != nil {
			return // an unknown size tier is refused, not rendered
		}
		first, err := State(derived, Components)
		if err != nil {
			return // invalid input reported as an error is fine; a panic is not
		}
		second, err := State(derived, Components)
		if err != nil {
			t.Fatalf("second render failed: %v", err)
		}
		if len(first) != len(second) {
			t.Fatalf("rendering twice gave %d and %d objects", len(first), len(second))
		}
		for i, u := range first {
			if u.GetKind() == "" || u.GetName() == "" || u.GetAPIVersion() == "" {
				t.Fatalf("object %d lacks kind, apiVersion or name: %v", i, u.Object)
			}
			if u.GetKind() != "Namespace" && u.GetNamespace() != derived.Workspace.Namespace {
				t.Fatalf("%s renders into namespace %q, not the workspace's", Key(u), u.GetNamespace())
			}
			if Key(u) != Key(second[i]) || u.GetAnnotations()["rathaus.io/desired-hash"] != second[i].GetAnnotations()["rathaus.io/desired-hash"] {
				t.Fatalf("object %d differs between two renders: %s vs %s", i, Key(u), Key(second[i]))
			}
		}
	})
}
