package dns

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				Domain:   "kiel.de",
				Services: rathausv1alpha1.WorkspaceServices{Files: rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{
			DNS: rathausv1alpha1.DNSSettings{IngressTargets: []string{"ingress.example.eu"}},
		}},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func withMail(in *stack.Inputs) {
	in.Workspace.Spec.Services.Mail.Enabled = true
	in.Platform.Spec.Mail.PublicAddresses = []string{"192.0.2.25", "2001:db8::25"}
	in.Platform.Spec.SMTPRelay = &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu"}
	in.PublicKeys = map[string][]byte{stack.KeyRef(mail.DKIMSecret("kiel.de"), mail.DKIMKey): []byte(strings.Repeat("k", 294))}
}

func TestZoneFileGolden(t *testing.T) {
	for name, in := range map[string]stack.Inputs{
		"without-mail.zone": inputs(),
		"with-mail.zone":    inputs(withMail),
	} {
		t.Run(name, func(t *testing.T) {
			golden.Assert(t, name, []byte(ZoneFile("kiel.de", Records(in))))
		})
	}
}

func find(records []rathausv1alpha1.DNSRecord, name, typ string) []string {
	var out []string
	for _, r := range records {
		if r.Name == name && r.Type == typ {
			out = append(out, r.Value)
		}
	}
	return out
}

func TestRecords(t *testing.T) {
	lb := func(ingress ...corev1.LoadBalancerIngress) func(*stack.Inputs) {
		return func(in *stack.Inputs) {
			in.Platform.Spec.Mail.PublicAddresses = nil
			svc := &corev1.Service{Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: ingress}}}
			in.Observed = map[string]client.Object{stack.Key("Service", "kiel", mail.PublicService): svc}
		}
	}
	tests := []struct {
		name      string
		in        stack.Inputs
		host, typ string
		want      []string
	}{
		{"host to ingress host name", inputs(), "files.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"host to ingress IPv4", inputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = []string{"198.51.100.7", "2001:db8::7"} }), "files.kiel.de", "A", []string{"198.51.100.7"}},
		{"host to ingress IPv6", inputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = []string{"198.51.100.7", "2001:db8::7"} }), "files.kiel.de", "AAAA", []string{"2001:db8::7"}},
		{"domain apex left alone", inputs(withMail), "kiel.de", "CNAME", nil},
		{"no ingress targets, no host records", inputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = nil }), "files.kiel.de", "CNAME", nil},
		{"identity host of the bundled Keycloak", inputs(), "id.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"mail host to the platform's addresses", inputs(withMail), "mail.kiel.de", "A", []string{"192.0.2.25"}},
		{"mail host never to the ingress", inputs(withMail), "mail.kiel.de", "CNAME", nil},
		{"mail host to the load balancer", inputs(withMail, lb(corev1.LoadBalancerIngress{IP: "203.0.113.9"})), "mail.kiel.de", "A", []string{"203.0.113.9"}},
		{"mail host to a load balancer host name", inputs(withMail, lb(corev1.LoadBalancerIngress{Hostname: "lb-1.cloud.example"})), "mail.kiel.de", "CNAME", []string{"lb-1.cloud.example."}},
		{"mail host unknown while the load balancer is pending", inputs(withMail, lb()), "mail.kiel.de", "A", nil},
		{"mail host unknown with node ports and no addresses", inputs(withMail, func(in *stack.Inputs) {
			in.Platform.Spec.Mail = rathausv1alpha1.MailSettings{Exposure: rathausv1alpha1.MailExposureNodePort}
		}), "mail.kiel.de", "A", nil},
		{"MX", inputs(withMail), "kiel.de", "MX", []string{"10 mail.kiel.de."}},
		{"MX to a custom mail host", inputs(withMail, func(in *stack.Inputs) { in.Workspace.Spec.Services.Mail.Host = "post.kiel.de" }), "kiel.de", "MX", []string{"10 post.kiel.de."}},
		{"SPF with relay", inputs(withMail), "kiel.de", "TXT", []string{"v=spf1 mx a:relay.example.eu ~all"}},
		{"SPF without relay", inputs(withMail, func(in *stack.Inputs) { in.Platform.Spec.SMTPRelay = nil }), "kiel.de", "TXT", []string{"v=spf1 mx ~all"}},
		{"DKIM", inputs(withMail, func(in *stack.Inputs) {
			in.PublicKeys = map[string][]byte{stack.KeyRef(mail.DKIMSecret("kiel.de"), mail.DKIMKey): {0x30, 0x82}}
		}), "rathaus1._domainkey.kiel.de", "TXT", []string{"v=DKIM1; k=rsa; p=MII="}},
		{"no DKIM before the key exists", inputs(withMail, func(in *stack.Inputs) { in.PublicKeys = nil }), "rathaus1._domainkey.kiel.de", "TXT", nil},
		{"DMARC", inputs(withMail), "_dmarc.kiel.de", "TXT", []string{"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@kiel.de"}},
		{"TLS-RPT", inputs(withMail), "_smtp._tls.kiel.de", "TXT", []string{"v=TLSRPTv1; rua=mailto:postmaster@kiel.de"}},
		{"autoconfig host", inputs(withMail), "autoconfig.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"MTA-STS policy host", inputs(withMail), "mta-sts.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"submission SRV", inputs(withMail), "_submissions._tcp.kiel.de", "SRV", []string{"0 1 465 mail.kiel.de."}},
		{"no cleartext IMAP", inputs(withMail), "_imap._tcp.kiel.de", "SRV", []string{"0 0 0 ."}},
		{"no mail records without mail", inputs(), "kiel.de", "MX", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := find(Records(tt.in), tt.host, tt.typ)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("%s %s = %q, want %q", tt.host, tt.typ, got, tt.want)
			}
		})
	}
}

// TestMTASTSIdFollowsThePolicy: sending servers only fetch a new policy when the id changes.
func TestMTASTSIdFollowsThePolicy(t *testing.T) {
	id := func(in stack.Inputs) string { return strings.Join(find(Records(in), "_mta-sts.kiel.de", "TXT"), "") }
	trial := id(inputs(withMail))
	enforced := id(inputs(withMail, func(in *stack.Inputs) { in.Platform.Spec.Ingress.ClusterIssuer = "letsencrypt" }))
	moved := id(inputs(withMail, func(in *stack.Inputs) { in.Workspace.Spec.Services.Mail.Host = "post.kiel.de" }))
	if trial == "" || trial == enforced || trial == moved {
		t.Fatalf("ids %q, %q, %q: each policy needs its own", trial, enforced, moved)
	}
}

func TestRecordsAreSortedAndStable(t *testing.T) {
	in := inputs(withMail)
	first, second := Records(in), Records(in)
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("record %d differs between two computations", i)
		}
		if i > 0 {
			a, b := first[i-1], first[i]
			if a.Name > b.Name || a.Name == b.Name && (a.Type > b.Type || a.Type == b.Type && a.Value > b.Value) {
				t.Fatalf("records %d and %d out of order: %v, %v", i-1, i, a, b)
			}
		}
		if first[i].TTL != DefaultTTL {
			t.Fatalf("TTL %d, want the default", first[i].TTL)
		}
	}
}

func TestQuoteTXT(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := map[string]string{
		"":            `""`,
		`v=spf1 ~all`: `"v=spf1 ~all"`,
		`say "hi" \o`: `"say \"hi\" \\o"`,
		long:          `"` + long[:255] + `" "` + long[255:] + `"`,
	}
	for in, want := range tests {
		if got := quoteTXT(in); got != want {
			t.Errorf("quoteTXT(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNoZoneFileWithoutRecords(t *testing.T) {
	objs, err := Component{}.Render(inputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = nil }))
	if err != nil || len(objs) != 0 {
		t.Fatalf("Render = %v, %v; want nothing", objs, err)
	}
	objs, _ = Component{}.Render(inputs())
	if len(objs) != 1 || !strings.Contains(objs[0].(*corev1.ConfigMap).Data[ZoneFileKey], "files.kiel.de.") {
		t.Fatalf("Render = %v, want the zone file", objs)
	}
}
