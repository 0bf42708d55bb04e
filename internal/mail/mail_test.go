package mail

import (
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				Domain:   "kiel.de",
				Services: rathausv1alpha1.WorkspaceServices{Mail: rathausv1alpha1.MailService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{},
		Identity: &stack.Identity{IssuerURL: "https://id.kiel.de/realms/kiel"},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func TestPlanFor(t *testing.T) {
	relayRef := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "relay"}
	tests := []struct {
		name  string
		in    stack.Inputs
		check func(Plan) string
	}{
		{"mailboxes only for admins of the mail domain, once, lower case", inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Admins = []string{"Zoe@Kiel.de", "zoe@kiel.de", "anna@kiel.de", "extern@example.eu", "no-at-sign", "@kiel.de"}
		}), func(p Plan) string {
			if strings.Join(p.Mailboxes, ",") != "anna,zoe" {
				return "mailboxes " + strings.Join(p.Mailboxes, ",")
			}
			return ""
		}},
		{"no certificate: self-signed, MTA-STS testing", inputs(), func(p Plan) string {
			if p.TLSSecret != "" || p.MTASTSMode != "testing" {
				return p.TLSSecret + " " + p.MTASTSMode
			}
			return ""
		}},
		{"issuer: own certificate, MTA-STS enforced", inputs(func(in *stack.Inputs) { in.Platform.Spec.Ingress.ClusterIssuer = "le" }), func(p Plan) string {
			if p.TLSSecret != TLSSecret || p.MTASTSMode != "enforce" {
				return p.TLSSecret + " " + p.MTASTSMode
			}
			return ""
		}},
		{"wildcard: the baseline's copy", inputs(func(in *stack.Inputs) {
			in.Platform.Spec.Ingress.WildcardCertificateSecret = &rathausv1alpha1.NamespacedName{Namespace: "x", Name: "y"}
		}), func(p Plan) string {
			if p.TLSSecret != stack.TLSSecret {
				return p.TLSSecret
			}
			return ""
		}},
		{"relay on 465 with credentials", inputs(func(in *stack.Inputs) {
			in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 465, CredentialsSecret: &relayRef}
			in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(relayRef): {"username": []byte("u"), "password": []byte("p")}}
		}), func(p Plan) string {
			if r := p.Relay; r == nil || r.Port != 465 || !r.ImplicitTLS || r.Username != "u" {
				return "relay not on 465 with implicit TLS and its user"
			}
			return ""
		}},
		{"relay defaults to submission", inputs(func(in *stack.Inputs) {
			in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu"}
		}), func(p Plan) string {
			if r := p.Relay; r == nil || r.Port != 587 || r.ImplicitTLS || r.Username != "" {
				return "relay not on 587 with STARTTLS and without login"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanFor(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(p); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

func TestPlanForNeedsRelayCredentials(t *testing.T) {
	ref := rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "relay"}
	_, err := PlanFor(inputs(func(in *stack.Inputs) {
		in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", CredentialsSecret: &ref}
	}))
	if err == nil {
		t.Fatal("a relay whose credentials were not read was accepted")
	}
}

func TestDKIMSecretPerDomain(t *testing.T) {
	if a, b := DKIMSecret("kiel.de"), DKIMSecret("flensburg.de"); a == b || a != "rathaus-dkim-kiel-de" {
		t.Fatalf("DKIMSecret = %q, %q", a, b)
	}
}

// TestEgressFollowsTheIssuerPort: the mail server fetches the issuer's discovery document and
// keys at the port its URL names, like the video and media services do.
func TestEgressFollowsTheIssuerPort(t *testing.T) {
	for issuer, want := range map[string]int32{"https://id.kiel.de/realms/kiel": 443, "https://login.kiel.de:8443/realms/staff": 8443} {
		in := inputs(func(in *stack.Inputs) { in.Identity.IssuerURL = issuer })
		p, err := PlanFor(in)
		if err != nil {
			t.Fatal(err)
		}
		var ports []int32
		for _, obj := range exposure(in, p) {
			if np, ok := obj.(*networkingv1.NetworkPolicy); ok && np.Name == "rathaus-mail-internet" {
				for _, rule := range np.Spec.Egress {
					for _, port := range rule.Ports {
						ports = append(ports, port.Port.IntVal)
					}
				}
			}
		}
		if !slices.Contains(ports, want) || (want != 443 && slices.Contains(ports, 443)) {
			t.Errorf("issuer %s: egress ports %v, want %d", issuer, ports, want)
		}
	}
}
