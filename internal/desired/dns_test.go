package desired

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/dns"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

func dnsInputs(mutate ...func(*stack.Inputs)) stack.Inputs {
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
		"without-mail.zone": dnsInputs(),
		"with-mail.zone":    dnsInputs(withMail),
	} {
		t.Run(name, func(t *testing.T) {
			golden.Assert(t, "dns-"+name, []byte(dns.ZoneFile("kiel.de", Records(in, Components))))
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
		{"host to ingress host name", dnsInputs(), "files.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"host to ingress IPv4", dnsInputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = []string{"198.51.100.7", "2001:db8::7"} }), "files.kiel.de", "A", []string{"198.51.100.7"}},
		{"host to ingress IPv6", dnsInputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = []string{"198.51.100.7", "2001:db8::7"} }), "files.kiel.de", "AAAA", []string{"2001:db8::7"}},
		{"domain apex left alone", dnsInputs(withMail), "kiel.de", "CNAME", nil},
		{"no ingress targets, no host records", dnsInputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = nil }), "files.kiel.de", "CNAME", nil},
		{"identity host of the bundled Keycloak", dnsInputs(), "id.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"mail host to the platform's addresses", dnsInputs(withMail), "mail.kiel.de", "A", []string{"192.0.2.25"}},
		{"mail host never to the ingress", dnsInputs(withMail), "mail.kiel.de", "CNAME", nil},
		{"mail host to the load balancer", dnsInputs(withMail, lb(corev1.LoadBalancerIngress{IP: "203.0.113.9"})), "mail.kiel.de", "A", []string{"203.0.113.9"}},
		{"mail host to a load balancer host name", dnsInputs(withMail, lb(corev1.LoadBalancerIngress{Hostname: "lb-1.cloud.example"})), "mail.kiel.de", "CNAME", []string{"lb-1.cloud.example."}},
		{"mail host unknown while the load balancer is pending", dnsInputs(withMail, lb()), "mail.kiel.de", "A", nil},
		{"mail host unknown with node ports and no addresses", dnsInputs(withMail, func(in *stack.Inputs) {
			in.Platform.Spec.Mail = rathausv1alpha1.MailSettings{Exposure: rathausv1alpha1.MailExposureNodePort}
		}), "mail.kiel.de", "A", nil},
		{"MX", dnsInputs(withMail), "kiel.de", "MX", []string{"10 mail.kiel.de."}},
		{"MX to a custom mail host", dnsInputs(withMail, func(in *stack.Inputs) { in.Workspace.Spec.Services.Mail.Host = "post.kiel.de" }), "kiel.de", "MX", []string{"10 post.kiel.de."}},
		{"SPF with relay", dnsInputs(withMail), "kiel.de", "TXT", []string{"v=spf1 mx a:relay.example.eu ~all"}},
		{"SPF without relay", dnsInputs(withMail, func(in *stack.Inputs) { in.Platform.Spec.SMTPRelay = nil }), "kiel.de", "TXT", []string{"v=spf1 mx ~all"}},
		{"DKIM", dnsInputs(withMail, func(in *stack.Inputs) {
			in.PublicKeys = map[string][]byte{stack.KeyRef(mail.DKIMSecret("kiel.de"), mail.DKIMKey): {0x30, 0x82}}
		}), "rathaus1._domainkey.kiel.de", "TXT", []string{"v=DKIM1; k=rsa; p=MII="}},
		{"no DKIM before the key exists", dnsInputs(withMail, func(in *stack.Inputs) { in.PublicKeys = nil }), "rathaus1._domainkey.kiel.de", "TXT", nil},
		{"DMARC", dnsInputs(withMail), "_dmarc.kiel.de", "TXT", []string{"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@kiel.de"}},
		{"TLS-RPT", dnsInputs(withMail), "_smtp._tls.kiel.de", "TXT", []string{"v=TLSRPTv1; rua=mailto:postmaster@kiel.de"}},
		{"autoconfig host", dnsInputs(withMail), "autoconfig.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"MTA-STS policy host", dnsInputs(withMail), "mta-sts.kiel.de", "CNAME", []string{"ingress.example.eu."}},
		{"submission SRV", dnsInputs(withMail), "_submissions._tcp.kiel.de", "SRV", []string{"0 1 465 mail.kiel.de."}},
		{"no cleartext IMAP", dnsInputs(withMail), "_imap._tcp.kiel.de", "SRV", []string{"0 0 0 ."}},
		{"no mail records without mail", dnsInputs(), "kiel.de", "MX", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := find(Records(tt.in, Components), tt.host, tt.typ)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("%s %s = %q, want %q", tt.host, tt.typ, got, tt.want)
			}
		})
	}
}

// TestMTASTSIdFollowsThePolicy: sending servers only fetch a new policy when the id changes.
func TestMTASTSIdFollowsThePolicy(t *testing.T) {
	id := func(in stack.Inputs) string {
		return strings.Join(find(Records(in, Components), "_mta-sts.kiel.de", "TXT"), "")
	}
	trial := id(dnsInputs(withMail))
	enforced := id(dnsInputs(withMail, func(in *stack.Inputs) { in.Platform.Spec.Ingress.ClusterIssuer = "letsencrypt" }))
	moved := id(dnsInputs(withMail, func(in *stack.Inputs) { in.Workspace.Spec.Services.Mail.Host = "post.kiel.de" }))
	if trial == "" || trial == enforced || trial == moved {
		t.Fatalf("ids %q, %q, %q: each policy needs its own", trial, enforced, moved)
	}
}

func TestRecordsAreSortedAndStable(t *testing.T) {
	in := dnsInputs(withMail)
	first, second := Records(in, Components), Records(in, Components)
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
		if first[i].TTL != dns.DefaultTTL {
			t.Fatalf("TTL %d, want the default", first[i].TTL)
		}
	}
}

func TestNoZoneFileWithoutRecords(t *testing.T) {
	withRecords := func(in stack.Inputs) stack.Inputs { in.Records = Records(in, Components); return in }
	objs, err := dns.Component{}.Render(withRecords(dnsInputs(func(in *stack.Inputs) { in.Platform.Spec.DNS.IngressTargets = nil })))
	if err != nil || len(objs) != 0 {
		t.Fatalf("Render = %v, %v; want nothing", objs, err)
	}
	objs, _ = dns.Component{}.Render(withRecords(dnsInputs()))
	if len(objs) != 1 || !strings.Contains(objs[0].(*corev1.ConfigMap).Data[dns.ZoneFileKey], "files.kiel.de.") {
		t.Fatalf("Render = %v, want the zone file", objs)
	}
}
