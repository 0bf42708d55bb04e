// Package dns computes the DNS records a municipality must publish for its workspace: where
// every host points, and for mail the MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT and client
// discovery records. The same list feeds the workspace's status and the rathaus-dns
// ConfigMap's zone file, so both always agree.
package dns

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// DefaultTTL is the records' TTL unless the platform sets one.
const DefaultTTL = 3600

// Records returns the records of the workspace, sorted by name, type and value. A record
// whose data the cluster has not decided yet (the mail server's address, the DKIM key before
// its Secret exists) is left out until it is known.
func Records(in stack.Inputs) []rathausv1alpha1.DNSRecord {
	ttl := in.Platform.Spec.DNS.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	b := builder{ttl: ttl}
	domain := in.Workspace.Spec.Domain
	mailOn := mail.Enabled(in)
	mailHost := ""
	if mailOn {
		mailHost = mail.Host(in)
	}
	for _, h := range in.Workspace.ClaimedHosts() {
		// The domain itself is claimed, but nothing of the workspace is served there: the
		// municipality's website stays where it is.
		if h == domain || h == mailHost {
			continue
		}
		b.pointTo(h, in.Platform.Spec.DNS.IngressTargets)
	}
	if mailOn {
		b.mail(in, domain, mailHost)
	}
	slices.SortFunc(b.out, func(a, b rathausv1alpha1.DNSRecord) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	return b.out
}

type builder struct {
	ttl int32
	out []rathausv1alpha1.DNSRecord
}

func (b *builder) add(name, typ, value string) {
	b.out = append(b.out, rathausv1alpha1.DNSRecord{Name: name, Type: typ, Value: value, TTL: b.ttl})
}

// pointTo publishes host at targets: A and AAAA records for IP addresses, a CNAME for a host
// name (the API admits a host name only alone).
func (b *builder) pointTo(host string, targets []string) {
	for _, t := range targets {
		ip, err := netip.ParseAddr(t)
		switch {
		case err != nil:
			b.add(host, "CNAME", fqdn(t))
		case ip.Is4():
			b.add(host, "A", ip.String())
		default:
			b.add(host, "AAAA", ip.String())
		}
	}
}

func (b *builder) mail(in stack.Inputs, domain, host string) {
	b.pointTo(host, mail.PublicAddresses(in))
	b.add(domain, "MX", "10 "+fqdn(host))

	// SPF (RFC 7208): the MX hosts send, and so does the platform's relay when mail leaves
	// through it. ~all (soft fail) leaves the verdict to DMARC, which DKIM alignment passes.
	spf := []string{"v=spf1", "mx"}
	if r := in.Platform.Spec.SMTPRelay; r != nil {
		spf = append(spf, "a:"+r.Host)
	}
	b.add(domain, "TXT", strings.Join(append(spf, "~all"), " "))

	secret := mail.DKIMSecret(domain)
	if pub, ok := in.PublicKeys[stack.KeyRef(secret, mail.DKIMKey)]; ok {
		// RFC 6376 section 3.6.1: p= is the base64 DER SubjectPublicKeyInfo.
		b.add(mail.DKIMSelector+"._domainkey."+domain, "TXT", "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(pub))
	}

	reports := "mailto:postmaster@" + domain
	// RFC 7489: quarantine what fails both SPF and DKIM alignment; reports to the postmaster.
	b.add("_dmarc."+domain, "TXT", "v=DMARC1; p=quarantine; adkim=r; aspf=r; rua="+reports)
	// RFC 8461 section 3.1: the id changes whenever the policy does.
	b.add("_mta-sts."+domain, "TXT", "v=STSv1; id="+stack.ShortHash(MTASTSPolicy(mail.MTASTSMode(in), host)))
	// RFC 8460: where other servers report TLS failures.
	b.add("_smtp._tls."+domain, "TXT", "v=TLSRPTv1; rua="+reports)

	// Client discovery: RFC 6186 and RFC 8314 SRV records (priority weight port target; "."
	// means not offered), Outlook's autodiscover SRV, and Thunderbird's autoconfig host, which
	// is one of the claimed hosts and points at the ingress.
	target := fqdn(host)
	b.add("_submissions._tcp."+domain, "SRV", "0 1 465 "+target)
	b.add("_submission._tcp."+domain, "SRV", "0 1 587 "+target)
	b.add("_imaps._tcp."+domain, "SRV", "0 1 993 "+target)
	b.add("_imap._tcp."+domain, "SRV", "0 0 0 .")
	b.add("_pop3._tcp."+domain, "SRV", "0 0 0 .")
	b.add("_pop3s._tcp."+domain, "SRV", "0 0 0 .")
	b.add("_sieve._tcp."+domain, "SRV", "0 1 4190 "+target)
	b.add("_autodiscover._tcp."+domain, "SRV", "0 1 443 "+target)
}

// MTASTSPolicy is the policy the mail server serves at
// https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 section 3.2); its hash is the
// id of the _mta-sts record. max_age is the server's default (ref/object/mta-sts, maxAge
// 604800000 ms).
func MTASTSPolicy(mode, host string) string {
	return fmt.Sprintf("version: STSv1\r\nmode: %s\r\nmx: %s\r\nmax_age: 604800\r\n", mode, host)
}

func fqdn(name string) string { return strings.TrimSuffix(name, ".") + "." }

// ZoneFile renders records in RFC 1035 master file syntax, with absolute names, ready to be
// pasted into a zone or imported by a DNS provider.
func ZoneFile(domain string, records []rathausv1alpha1.DNSRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "; Records to publish for %s, computed by rathaus from the workspace's enabled services.\n", domain)
	if len(records) == 0 {
		b.WriteString("; None yet: the platform names no ingress targets and no service needs records.\n")
	}
	width := 0
	for _, r := range records {
		width = max(width, len(fqdn(r.Name)))
	}
	// Spaces, not tabs, so the file stays readable wherever it is shown (kubectl, YAML).
	for _, r := range records {
		value := r.Value
		if r.Type == "TXT" {
			value = quoteTXT(value)
		}
		fmt.Fprintf(&b, "%-*s %-6d IN %-5s %s\n", width, fqdn(r.Name), r.TTL, r.Type, value)
	}
	return b.String()
}

// quoteTXT splits a TXT value into quoted character-strings of at most 255 bytes (RFC 1035
// section 3.3.14; a 2048-bit DKIM key is longer), escaping quotes and backslashes.
func quoteTXT(v string) string {
	var parts []string
	for len(v) > 0 {
		n := min(len(v), 255)
		chunk := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v[:n])
		parts = append(parts, `"`+chunk+`"`)
		v = v[n:]
	}
	if len(parts) == 0 {
		return `""`
	}
	return strings.Join(parts, " ")
}
