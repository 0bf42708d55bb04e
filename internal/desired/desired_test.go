package desired

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel", UID: "5f0c6a5e-0000-4000-8000-000000000001"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				DisplayName: "Landeshauptstadt Kiel",
				Domain:      "kiel.de",
				Size:        rathausv1alpha1.SizeM,
				TenantAccess: rathausv1alpha1.TenantAccess{
					Users:  []string{"zoe@kiel.de", "anna@kiel.de"},
					Groups: []string{"kiel-it"},
				},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		Release:  release.BuiltIn(),
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func render(t *testing.T, in stack.Inputs) []byte {
	t.Helper()
	return golden.YAML(t, state(t, in))
}

// state derives in and renders every component, failing the test on an error.
func state(t *testing.T, in stack.Inputs) []*unstructured.Unstructured {
	t.Helper()
	_, objs := derivedState(t, in)
	return objs
}

// derivedState is state with the derived inputs it rendered from.
func derivedState(t *testing.T, in stack.Inputs) (stack.Inputs, []*unstructured.Unstructured) {
	t.Helper()
	in, err := Derive(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	return in, objs
}

func TestStateGolden(t *testing.T) {
	tests := []struct {
		name string
		in   stack.Inputs
	}{
		{name: "minimal.yaml", in: inputs(func(in *stack.Inputs) { in.Workspace.Spec.TenantAccess = rathausv1alpha1.TenantAccess{} })},
		{name: "tenant-access.yaml", in: inputs()},
		{name: "platform-overrides.yaml", in: inputs(func(in *stack.Inputs) {
			cpu := resource.MustParse("20")
			in.Platform.Spec.Sizes = []rathausv1alpha1.SizeOverride{{Size: rathausv1alpha1.SizeM, CPU: &cpu}}
			in.Platform.Spec.Ingress.ControllerNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}
			in.Platform.Spec.Network.DNSNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "dns"}}
		})},
	}
	for _, size := range []rathausv1alpha1.SizeTier{rathausv1alpha1.SizeS, rathausv1alpha1.SizeXL} {
		tests = append(tests, struct {
			name string
			in   stack.Inputs
		}{name: "files-" + string(size) + ".yaml", in: inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = size
			in.Workspace.Spec.Services.Files.Enabled = true
		})})
	}
	tests = append(tests, struct {
		name string
		in   stack.Inputs
	}{name: "files-XL-rwx-mirror-relay.yaml", in: inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Size = rathausv1alpha1.SizeXL
		in.Workspace.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: "cloud.kiel.de"}}
		in.Platform.Spec.Storage = rathausv1alpha1.StorageSettings{ReadWriteOnceClass: "ceph-rbd", ReadWriteManyClass: "cephfs"}
		in.Platform.Spec.Registry.Mirror = "registry.example.eu/mirror"
		in.Platform.Spec.Ingress = rathausv1alpha1.IngressSettings{ClassName: "traefik", ClusterIssuer: "letsencrypt"}
		in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 465}
	})}, struct {
		name string
		in   stack.Inputs
	}{name: "files-platform-secrets.yaml", in: platformSecretInputs()}, struct {
		name string
		in   stack.Inputs
	}{name: "files-managed-keycloak.yaml", in: inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		ref := rathausv1alpha1.NamespacedName{Namespace: "identity", Name: "keycloak-admin"}
		in.Platform.Spec.Identity.Keycloak = &rathausv1alpha1.KeycloakRef{URL: "https://login.example.eu", AdminCredentialsSecret: ref}
		in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(ref): {"username": []byte("realm-admin"), "password": []byte("example")}}
	})}, struct {
		name string
		in   stack.Inputs
	}{name: "files-gateway.yaml", in: inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		in.Platform.Spec.Ingress.Gateway = &rathausv1alpha1.GatewayRef{Namespace: "gateways", Name: "public", SectionName: "https"}
	})}, struct {
		name string
		in   stack.Inputs
	}{name: "files-S3.yaml", in: inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		ref := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "s3-credentials"}
		in.Platform.Spec.ObjectStorage = &rathausv1alpha1.ObjectStorage{Endpoint: "s3.example.eu", Region: "eu-central-1", BucketPrefix: "nc", CredentialsSecret: ref}
		in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(ref): {"access-key": []byte("AKIAEXAMPLE"), "secret-key": []byte("example-secret")}}
	})})
	tests = append(tests, struct {
		name string
		in   stack.Inputs
	}{name: "media-S.yaml", in: inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Size = rathausv1alpha1.SizeS
		in.Workspace.Spec.Services.Media.Enabled = true
	})})
	for _, mode := range []rathausv1alpha1.DatabaseMode{rathausv1alpha1.DatabaseCloudNativePG, rathausv1alpha1.DatabaseExternal} {
		tests = append(tests, struct {
			name string
			in   stack.Inputs
		}{name: "files-database-" + string(mode) + ".yaml", in: inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = rathausv1alpha1.SizeL
			in.Workspace.Spec.Services.Files.Enabled = true
			in.Platform.Spec.Database.Mode = mode
			in.Platform.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
		})})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Assert(t, tt.name, render(t, tt.in))
		})
	}
}

// platformSecretInputs: a platform with a registry pull secret, a wildcard certificate and
// relay credentials, all copied into the workspace.
func platformSecretInputs() stack.Inputs {
	return inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		pull := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "mirror-pull"}
		tls := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "wildcard"}
		smtp := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "relay"}
		in.Platform.Spec.Registry = rathausv1alpha1.RegistrySettings{Mirror: "registry.example.eu/mirror", PullSecret: &pull}
		in.Platform.Spec.Ingress.WildcardCertificateSecret = &tls
		in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 587, CredentialsSecret: &smtp}
		in.Platform.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
		in.PlatformSecrets = map[string]map[string][]byte{
			stack.RefKey(pull): {".dockerconfigjson": []byte(`{"auths":{}}`)},
			stack.RefKey(tls):  {"tls.crt": []byte("CERT"), "tls.key": []byte("KEY"), "ca.crt": []byte("not copied")},
			stack.RefKey(smtp): {"username": []byte("relay-user"), "password": []byte("relay-password")},
		}
	})
}

// TestEveryPodFollowsThePlatform: every pod template pulls with the registry Secret's copy
// and may only run in the allowed regions.
func TestEveryPodFollowsThePlatform(t *testing.T) {
	in, err := Derive(platformSecretInputs(), Components)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	pods := 0
	for _, u := range objs {
		var podSpec []string
		switch u.GetKind() {
		case "Deployment", "StatefulSet", "Job":
			podSpec = []string{"spec", "template", "spec"}
		case "CronJob":
			podSpec = []string{"spec", "jobTemplate", "spec", "template", "spec"}
		default:
			continue
		}
		pods++
		secrets, _, _ := unstructured.NestedSlice(u.Object, append(podSpec, "imagePullSecrets")...)
		if len(secrets) != 1 || secrets[0].(map[string]any)["name"] != stack.RegistrySecret {
			t.Errorf("%s pulls with %v, want %s", Key(u), secrets, stack.RegistrySecret)
		}
		terms, _, _ := unstructured.NestedSlice(u.Object, append(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")...)
		if len(terms) != 1 || !strings.Contains(fmt.Sprint(terms[0]), "eu-central") {
			t.Errorf("%s may run outside the allowed regions: %v", Key(u), terms)
		}
	}
	if pods < 5 {
		t.Fatalf("only %d pod templates rendered; the test would prove little", pods)
	}
}

func TestSecretsOfEnabledServices(t *testing.T) {
	in, err := Derive(inputs(func(in *stack.Inputs) { in.Workspace.Spec.Services.Files.Enabled = true }), Components)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Secrets(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, s := range specs {
		got = append(got, s.Component+"/"+s.Name)
	}
	want := []string{
		"database/rathaus-postgresql-superuser", "database/rathaus-db-keycloak", "database/rathaus-db-nextcloud",
		"cache/rathaus-valkey",
		"identity/rathaus-keycloak-admin", "identity/rathaus-oidc-files",
		"files/rathaus-nextcloud-admin",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("secrets = %v, want %v", got, want)
	}
	in, _ = Derive(inputs(), Components)
	if specs, _ := Secrets(in, Components); len(specs) != 0 {
		t.Fatalf("a workspace without services needs no secrets, got %+v", specs)
	}

	// With an external identity provider, the municipality brings the client credentials.
	in, _ = Derive(inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		in.Workspace.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://login.kiel.de/realms/staff"}
	}), Components)
	specs, _ = Secrets(in, Components)
	for _, s := range specs {
		if s.Component == "identity" {
			t.Fatalf("external identity: the operator must not generate %s", s.Name)
		}
	}
	if in.Identity.IssuerURL != "https://login.kiel.de/realms/staff" {
		t.Fatalf("issuer = %s", in.Identity.IssuerURL)
	}
}

func TestManagedKeycloakRunsNoKeycloak(t *testing.T) {
	ref := rathausv1alpha1.NamespacedName{Namespace: "identity", Name: "keycloak-admin"}
	in, err := Derive(inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		in.Platform.Spec.Identity.Keycloak = &rathausv1alpha1.KeycloakRef{URL: "https://login.example.eu/", AdminCredentialsSecret: ref}
		in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(ref): {"username": []byte("u"), "password": []byte("p")}}
	}), Components)
	if err != nil {
		t.Fatal(err)
	}
	if in.Identity.IssuerURL != "https://login.example.eu/realms/kiel" {
		t.Errorf("issuer = %s", in.Identity.IssuerURL)
	}
	if strings.Join(in.Databases, ",") != "nextcloud" {
		t.Errorf("databases = %v; a realm in the provider's Keycloak needs none here", in.Databases)
	}
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		if u.GetKind() == "Deployment" && u.GetName() == "rathaus-keycloak" {
			t.Fatal("a Keycloak Deployment was rendered although the platform names its Keycloak")
		}
	}
}

func TestDeriveIdentity(t *testing.T) {
	in, err := Derive(inputs(func(in *stack.Inputs) { in.Workspace.Spec.Services.Files.Enabled = true }), Components)
	if err != nil {
		t.Fatal(err)
	}
	if in.Identity.IssuerURL != "https://id.kiel.de/realms/kiel" {
		t.Errorf("issuer = %s", in.Identity.IssuerURL)
	}
	if len(in.OIDCClients) != 1 || in.OIDCClients[0].Service != "files" || in.OIDCClients[0].RedirectURIs[0] != "https://files.kiel.de/apps/user_oidc/code" {
		t.Errorf("clients = %+v", in.OIDCClients)
	}
	if strings.Join(in.Databases, ",") != "keycloak,nextcloud" {
		t.Errorf("databases = %v", in.Databases)
	}
}

func TestStateIsDeterministic(t *testing.T) {
	first := render(t, inputs())
	for range 20 {
		if got := render(t, inputs()); !bytes.Equal(got, first) {
			t.Fatalf("rendering the same inputs twice gave different output:\n%s\n---\n%s", first, got)
		}
	}
}

func TestDeriveRejectsUnknownSize(t *testing.T) {
	_, err := Derive(inputs(func(in *stack.Inputs) { in.Workspace.Spec.Size = "XXL" }), Components)
	var invalid *InvalidInputError
	if !errors.As(err, &invalid) {
		t.Fatalf("err = %v, want InvalidInputError", err)
	}
}

type fixed struct {
	name string
	objs []client.Object
}

func (f fixed) Name() string                                 { return f.name }
func (f fixed) Render(stack.Inputs) ([]client.Object, error) { return f.objs, nil }

func TestStateRejectsDuplicates(t *testing.T) {
	cm := func() client.Object {
		return &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "kiel"}}
	}
	_, err := State(inputs(), []stack.Component{fixed{"a", []client.Object{cm()}}, fixed{"b", []client.Object{cm()}}})
	if err == nil || err.Error() != "components a and b both render ConfigMap/kiel/x" {
		t.Fatalf("err = %v", err)
	}
}

// TestStallReasonOfAComponent: a component's UnmetError reaches the reconciler with its reason,
// so the workspace is Stalled with it rather than with a generic one.
func TestStallReasonOfAComponent(t *testing.T) {
	in, err := Derive(inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Size = rathausv1alpha1.SizeL
		in.Workspace.Spec.Services.Media.Enabled = true
	}), Components)
	if err != nil {
		t.Fatal(err)
	}
	_, err = State(in, Components)
	var invalid *InvalidInputError
	if !errors.As(err, &invalid) || invalid.Component != "media" || invalid.Reason() != "SharedStorageMissing" {
		t.Fatalf("err = %v, want media's SharedStorageMissing", err)
	}
	if (&InvalidInputError{Component: "x", Err: errors.New("bad")}).Reason() != "" {
		t.Fatal("a plain error must leave the reason to the reconciler")
	}
}
