package desired

import (
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

// mailInputs: a workspace with mail, two application admins of whom one has an address in
// the mail domain.
func mailInputs(size rathausv1alpha1.SizeTier, mutate ...func(*stack.Inputs)) stack.Inputs {
	return inputs(append([]func(*stack.Inputs){func(in *stack.Inputs) {
		in.Workspace.Spec.Size = size
		in.Workspace.Spec.Services.Mail.Enabled = true
		in.Workspace.Spec.Admins = []string{"it-service@kiel.de", "dienstleister@example.eu"}
	}}, mutate...)...)
}

func TestMailGolden(t *testing.T) {
	relay := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "relay"}
	tests := []struct {
		name string
		in   stack.Inputs
	}{
		{name: "mail-S.yaml", in: mailInputs(rathausv1alpha1.SizeS)},
		{name: "mail-L-issuer-relay-nodeport.yaml", in: mailInputs(rathausv1alpha1.SizeL, func(in *stack.Inputs) {
			in.Platform.Spec.Ingress = rathausv1alpha1.IngressSettings{ClassName: "nginx", ClusterIssuer: "letsencrypt"}
			in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 587, CredentialsSecret: &relay}
			in.Platform.Spec.Mail = rathausv1alpha1.MailSettings{Exposure: rathausv1alpha1.MailExposureNodePort, PublicAddresses: []string{"192.0.2.25"}, ServiceAnnotations: map[string]string{"lb.example.eu/pool": "mail"}}
			in.Platform.Spec.DNS = rathausv1alpha1.DNSSettings{IngressTargets: []string{"ingress.example.eu"}, TTL: 300}
			in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(relay): {"username": []byte("kiel-relay"), "password": []byte("relay-password")}}
			in.PublicKeys = map[string][]byte{stack.KeyRef(mail.DKIMSecret("kiel.de"), mail.DKIMKey): []byte("public key DER")}
		})},
		{name: "mail-XL-wildcard.yaml", in: mailInputs(rathausv1alpha1.SizeXL, func(in *stack.Inputs) {
			in.Platform.Spec.Ingress.WildcardCertificateSecret = &rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "wildcard"}
			in.PlatformSecrets = map[string]map[string][]byte{"rathaus-system/wildcard": {"tls.crt": []byte("CERT"), "tls.key": []byte("KEY")}}
			in.Workspace.Spec.Services.Mail.Host = "post.kiel.de"
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Assert(t, tt.name, render(t, tt.in))
		})
	}
}

// TestMailSecretsKeepDKIMOnDisable: the DKIM key and the engine's administrator are generated
// while mail is on; switching mail off stops asking for them, and the reconciler's pruning
// leaves generated Secrets alone (DataMeta), so switching it on again finds the same key.
func TestMailSecrets(t *testing.T) {
	in, err := Derive(mailInputs(rathausv1alpha1.SizeS), Components)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Secrets(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	var dkim bool
	for _, s := range specs {
		if s.Name == mail.DKIMSecret("kiel.de") {
			dkim = len(s.Keys) == 1 && s.Keys[0].Name == mail.DKIMKey && s.Keys[0].Kind != "" && s.Component == mail.ComponentName
		}
	}
	if !dkim {
		t.Fatalf("no DKIM key Secret among %+v", specs)
	}
	if obj := SecretObject(in, specs[0]); len(obj.OwnerReferences) != 0 {
		t.Fatal("generated Secrets must not be garbage-collected with the workspace")
	}
	if in.Databases == nil || !contains(in.Databases, "stalwart") {
		t.Fatalf("databases %v lack the mail server's", in.Databases)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
