package mail

import (
	"encoding/base64"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/dns"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ReleaseComponents implements stack.Released with the engine's.
func (c Component) ReleaseComponents() []stack.ReleaseComponent {
	if r, ok := c.Engine.(stack.Released); ok {
		return r.ReleaseComponents()
	}
	return nil
}

// Hosts implements stack.HostClaimer: the mail host, which points at the mail server's own
// load balancer, and the well-known hosts of the mail domain behind the ingress, where mail
// clients find their settings (autoconfig) and sending servers the MTA-STS policy.
func (Component) Hosts(in stack.Inputs) []stack.Host {
	if !Enabled(in) {
		return nil
	}
	domain := in.Workspace.Spec.Domain
	return []stack.Host{{Name: Host(in)}, {Name: AutoconfigHost(domain), Ingress: true}, {Name: MTASTSHost(domain), Ingress: true}}
}

// Kinds implements stack.KindOwner with the service's own kinds and the engine's.
func (c Component) Kinds() []schema.GroupVersionKind {
	out := append([]schema.GroupVersionKind{kit.NetworkPolicyKind, kit.SecretKind, CertificateKind}, web.Kinds...)
	if k, ok := c.Engine.(stack.KindOwner); ok {
		out = append(out, k.Kinds()...)
	}
	return out
}

// Needs implements stack.CapabilityUser: cert-manager when the mail host's certificate comes
// from the platform's ClusterIssuer.
func (Component) Needs(ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	out := web.Needs(p)
	if NeedsCertificate(ws, p) {
		out = append(out, stack.Need{Kind: CertificateKind, Reason: rathausv1alpha1.ReasonCertManagerMissing,
			What: "cert-manager certificates for the mail host, but the cert-manager.io Certificate CRD is"})
	}
	return out
}

// PlatformSecrets implements stack.PlatformSecretUser: the relay's credentials.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	if r := p.Spec.SMTPRelay; r != nil && r.CredentialsSecret != nil {
		return []rathausv1alpha1.NamespacedName{*r.CredentialsSecret}
	}
	return nil
}

// DNSRecords implements stack.RecordPublisher: the mail host at the server's public
// addresses, and what other mail servers and mail clients look up in the domain.
func (Component) DNSRecords(in stack.Inputs) []rathausv1alpha1.DNSRecord {
	if !Enabled(in) {
		return nil
	}
	ttl, domain, host := dns.TTL(in.Platform), in.Workspace.Spec.Domain, Host(in)
	add := func(name, typ, value string) rathausv1alpha1.DNSRecord { return dns.Record(name, typ, value, ttl) }
	out := dns.PointTo(host, PublicAddresses(in), ttl)
	out = append(out, add(domain, "MX", "10 "+dns.FQDN(host)))

	// SPF (RFC 7208): the MX hosts send, and so does the platform's relay when mail leaves
	// through it. ~all (soft fail) leaves the verdict to DMARC, which DKIM alignment passes.
	spf := []string{"v=spf1", "mx"}
	if r := in.Platform.Spec.SMTPRelay; r != nil {
		spf = append(spf, "a:"+r.Host)
	}
	out = append(out, add(domain, "TXT", strings.Join(append(spf, "~all"), " ")))

	if pub, ok := in.PublicKeys[stack.KeyRef(DKIMSecret(domain), DKIMKey)]; ok {
		// RFC 6376 section 3.6.1: p= is the base64 DER SubjectPublicKeyInfo.
		out = append(out, add(DKIMSelector+"._domainkey."+domain, "TXT", "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(pub)))
	}

	reports := "mailto:postmaster@" + domain
	target := dns.FQDN(host)
	return append(out,
		// RFC 7489: quarantine what fails both SPF and DKIM alignment; reports to the postmaster.
		add("_dmarc."+domain, "TXT", "v=DMARC1; p=quarantine; adkim=r; aspf=r; rua="+reports),
		// RFC 8461 section 3.1: the id changes whenever the policy does.
		add("_mta-sts."+domain, "TXT", "v=STSv1; id="+kit.ShortHash(MTASTSPolicy(MTASTSMode(in), host))),
		// RFC 8460: where other servers report TLS failures.
		add("_smtp._tls."+domain, "TXT", "v=TLSRPTv1; rua="+reports),
		// Client discovery: RFC 6186 and RFC 8314 SRV records (priority weight port target;
		// "." means not offered), Outlook's autodiscover SRV, and Thunderbird's autoconfig
		// host, which is one of the claimed hosts and points at the ingress.
		add("_submissions._tcp."+domain, "SRV", "0 1 465 "+target),
		add("_submission._tcp."+domain, "SRV", "0 1 587 "+target),
		add("_imaps._tcp."+domain, "SRV", "0 1 993 "+target),
		add("_imap._tcp."+domain, "SRV", "0 0 0 ."),
		add("_pop3._tcp."+domain, "SRV", "0 0 0 ."),
		add("_pop3s._tcp."+domain, "SRV", "0 0 0 ."),
		add("_sieve._tcp."+domain, "SRV", "0 1 4190 "+target),
		add("_autodiscover._tcp."+domain, "SRV", "0 1 443 "+target),
	)
}

// MTASTSPolicy is the policy the mail server serves at
// https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 section 3.2); its hash is the
// id of the _mta-sts record. max_age is the server's default (ref/object/mta-sts, maxAge
// 604800000 ms).
func MTASTSPolicy(mode, host string) string {
	return fmt.Sprintf("version: STSv1\r\nmode: %s\r\nmx: %s\r\nmax_age: 604800\r\n", mode, host)
}
