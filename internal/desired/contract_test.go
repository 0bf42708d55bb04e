package desired

import (
	"fmt"
	"strings"
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// contractCase is one point of the matrix every rendered container is checked over.
type contractCase struct {
	size     rathausv1alpha1.SizeTier
	database rathausv1alpha1.DatabaseMode
	identity string // "bundled", "platform" (the provider's Keycloak) or "external"
	exposure string // LoadBalancer or NodePort, for video and mail
	extras   bool   // registry mirror, object storage, relay with credentials, shared volumes
}

func (c contractCase) String() string {
	return fmt.Sprintf("%s/%s/%s/%s/extras=%v", c.size, c.database, c.identity, c.exposure, c.extras)
}

func contractMatrix() []contractCase {
	var out []contractCase
	for _, size := range []rathausv1alpha1.SizeTier{rathausv1alpha1.SizeS, rathausv1alpha1.SizeM, rathausv1alpha1.SizeL, rathausv1alpha1.SizeXL} {
		for _, db := range []rathausv1alpha1.DatabaseMode{rathausv1alpha1.DatabaseBundled, rathausv1alpha1.DatabaseCloudNativePG, rathausv1alpha1.DatabaseExternal} {
			for _, id := range []string{"bundled", "platform", "external"} {
				for _, exp := range []string{"LoadBalancer", "NodePort"} {
					for _, extras := range []bool{false, true} {
						out = append(out, contractCase{size, db, id, exp, extras})
					}
				}
			}
		}
	}
	return out
}

// contractInputs is a workspace with every service on, at point c of the matrix.
func contractInputs(c contractCase) stack.Inputs {
	return inputs(func(in *stack.Inputs) {
		ws, p := &in.Workspace.Spec, &in.Platform.Spec
		ws.Size = c.size
		ws.Admins = []string{"it-service@kiel.de"}
		ws.Services.Files.Enabled = true
		ws.Services.Video.Enabled = true
		ws.Services.Mail.Enabled = true
		ws.Services.Media.Enabled = true
		p.Database.Mode = c.database
		// Media on more than one node needs shared storage (sizes M to XL).
		p.Storage.ReadWriteManyClass = "cephfs"
		in.PlatformSecrets = map[string]map[string][]byte{}
		in.OperatorImage = "ghcr.io/rathaus-io/rathaus:0.4.0"
		switch c.identity {
		case "platform":
			ref := rathausv1alpha1.NamespacedName{Namespace: "identity", Name: "keycloak-admin"}
			p.Identity.Keycloak = &rathausv1alpha1.KeycloakRef{URL: "https://login.example.eu", AdminCredentialsSecret: ref}
			in.PlatformSecrets[stack.RefKey(ref)] = map[string][]byte{"username": []byte("u"), "password": []byte("p")}
		case "external":
			ws.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://login.kiel.de:8443/realms/staff"}
		}
		p.Video.Exposure = rathausv1alpha1.MediaExposure(c.exposure)
		p.Mail.Exposure = rathausv1alpha1.MailExposure(c.exposure)
		if c.exposure == "NodePort" {
			p.Mail.PublicAddresses = []string{"192.0.2.25"}
		}
		if c.extras {
			p.Registry.Mirror = "registry.example.eu/mirror"
			p.Storage.ReadWriteOnceClass = "ceph-rbd"
			p.Artifacts.Mirror = "https://artifacts.example.eu:8443/mirror"
			s3 := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "s3"}
			p.ObjectStorage = &rathausv1alpha1.ObjectStorage{Endpoint: "s3.example.eu", Port: 9000, CredentialsSecret: s3}
			in.PlatformSecrets[stack.RefKey(s3)] = map[string][]byte{"access-key": []byte("a"), "secret-key": []byte("s")}
			relay := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "relay"}
			p.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 587, CredentialsSecret: &relay}
			in.PlatformSecrets[stack.RefKey(relay)] = map[string][]byte{"username": []byte("u"), "password": []byte("p")}
			key := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "backup-key"}
			store := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "backup-store"}
			p.Backup = &rathausv1alpha1.BackupPolicy{
				Destination:         &rathausv1alpha1.BackupDestination{Endpoint: "backup.example.eu", Port: 9000, Bucket: "rathaus", CredentialsSecret: store},
				EncryptionKeySecret: &key,
			}
			in.PlatformSecrets[stack.RefKey(key)] = map[string][]byte{"password": []byte("k")}
			in.PlatformSecrets[stack.RefKey(store)] = map[string][]byte{"access-key": []byte("a"), "secret-key": []byte("s")}
		}
	})
}

// provided lists the Secrets that exist without being rendered: the generated credentials,
// and what the provider creates in External modes (docs/api.md).
func provided(t *testing.T, in stack.Inputs) map[string][]string {
	t.Helper()
	specs, err := Secrets(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, s := range specs {
		for _, k := range s.Keys {
			out["Secret/"+s.Name] = append(out["Secret/"+s.Name], k.Name)
		}
		for k := range s.Static {
			out["Secret/"+s.Name] = append(out["Secret/"+s.Name], k)
		}
	}
	if in.Platform.Spec.Database.Mode == rathausv1alpha1.DatabaseExternal {
		for _, db := range in.Databases {
			out["Secret/"+postgres.ConnectionSecret(db)] = []string{"host", "port", "dbname", "username", "password"}
		}
	}
	if in.Workspace.Spec.Identity.Mode == rathausv1alpha1.IdentityExternal {
		for _, c := range in.OIDCClients {
			out["Secret/"+stack.OIDCClientSecret(c.Service)] = []string{"client-id", "client-secret"}
		}
	}
	return out
}

// contractsByImage maps each contract to the reference its containers pull at in's release.
func contractsByImage(t *testing.T, in stack.Inputs) map[string]contract.Image {
	t.Helper()
	out := map[string]contract.Image{}
	for _, c := range Contracts(Components) {
		ref, err := in.Image(c.Component)
		if err != nil {
			t.Fatalf("contract of %s: %v", c.Component, err)
		}
		out[ref] = c
	}
	return out
}

// TestContainersHonourImageContracts renders a workspace with every service at every size
// tier, database mode, identity mode and exposure, and holds every container to its image's
// contract (internal/contract): what decides whether the stack starts on a real cluster,
// which the simulated one cannot show.
func TestContainersHonourImageContracts(t *testing.T) {
	for _, c := range contractMatrix() {
		t.Run(c.String(), func(t *testing.T) { renderHonouringContracts(t, contractInputs(c)) })
	}
}

// renderHonouringContracts derives in, renders the stack and fails the test for every
// container that does not honour its image's contract; it returns the rendered objects.
func renderHonouringContracts(t *testing.T, in stack.Inputs) []*unstructured.Unstructured {
	t.Helper()
	in, objs := derivedState(t, in)
	violations, err := contract.Check(contract.Rendered{Objects: objs, Contracts: contractsByImage(t, in), Provided: provided(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	return objs
}

// TestContractsFollowTheRelease: every component of the built-in release has a contract read
// at exactly the tag the release pins. Moving a component to a new tag fails here until its
// contract has been read again at that tag.
func TestContractsFollowTheRelease(t *testing.T) {
	byComponent := map[string]contract.Image{}
	for _, c := range Contracts(Components) {
		if _, dup := byComponent[c.Component]; dup {
			t.Errorf("two contracts for %s", c.Component)
		}
		byComponent[c.Component] = c
	}
	for _, rc := range release.BuiltIn().Spec.Components {
		c, ok := byComponent[rc.Name]
		switch {
		case !ok:
			t.Errorf("%s (%s) has no image contract", rc.Name, images.Reference(rc, ""))
		case c.Tag != rc.Version:
			t.Errorf("%s: the release pins %s, its contract was read at %s: read the image's Dockerfile and entrypoint at %s again and update the contract", rc.Name, rc.Version, c.Tag, rc.Version)
		case len(c.Sources) == 0:
			t.Errorf("%s: the contract cites no upstream file", rc.Name)
		}
		if c.UID == 0 && ok {
			t.Errorf("%s: runs as root", rc.Name)
		}
		if ok && !strings.Contains(strings.Join(c.Sources, " "), "@") {
			t.Errorf("%s: sources must say at which ref they were read (path@ref)", rc.Name)
		}
	}
}
