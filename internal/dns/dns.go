// Package dns computes the DNS records a municipality must publish for its workspace: every
// host served by the platform's ingress points at its targets, and components add what they
// need beyond that (mail: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT and client discovery). The
// same list feeds the workspace's status and the rathaus-dns ConfigMap's zone file, so both
// always agree. internal/desired collects the hosts and records from the registered
// components; this package knows none of them.
package dns

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// DefaultTTL is the records' TTL unless the platform sets one.
const DefaultTTL = 3600

// TTL is the TTL of the platform's records.
func TTL(p *rathausv1alpha1.WorkspacePlatform) int32 {
	if p.Spec.DNS.TTL == 0 {
		return DefaultTTL
	}
	return p.Spec.DNS.TTL
}

// Records returns the records of the workspace, sorted by name, type and value: the ingress
// hosts pointing at the platform's ingress targets, and the records components publish.
func Records(in stack.Inputs, hosts []stack.Host, published []rathausv1alpha1.DNSRecord) []rathausv1alpha1.DNSRecord {
	var out []rathausv1alpha1.DNSRecord
	for _, h := range hosts {
		if h.Ingress {
			out = append(out, PointTo(h.Name, in.Platform.Spec.DNS.IngressTargets, TTL(in.Platform))...)
		}
	}
	out = append(out, published...)
	slices.SortFunc(out, func(a, b rathausv1alpha1.DNSRecord) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	return slices.CompactFunc(out, func(a, b rathausv1alpha1.DNSRecord) bool { return a == b })
}

// Record is one record with the given TTL.
func Record(name, typ, value string, ttl int32) rathausv1alpha1.DNSRecord {
	return rathausv1alpha1.DNSRecord{Name: name, Type: typ, Value: value, TTL: ttl}
}

// PointTo publishes host at targets: A and AAAA records for IP addresses, a CNAME for a host
// name (the API admits a host name only alone).
func PointTo(host string, targets []string, ttl int32) []rathausv1alpha1.DNSRecord {
	var out []rathausv1alpha1.DNSRecord
	for _, t := range targets {
		ip, err := netip.ParseAddr(t)
		switch {
		case err != nil:
			out = append(out, Record(host, "CNAME", FQDN(t), ttl))
		case ip.Is4():
			out = append(out, Record(host, "A", ip.String(), ttl))
		default:
			out = append(out, Record(host, "AAAA", ip.String(), ttl))
		}
	}
	return out
}

// FQDN is name as an absolute domain name, with the trailing dot.
func FQDN(name string) string { return strings.TrimSuffix(name, ".") + "." }

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
		width = max(width, len(FQDN(r.Name)))
	}
	// Spaces, not tabs, so the file stays readable wherever it is shown (kubectl, YAML).
	for _, r := range records {
		value := r.Value
		if r.Type == "TXT" {
			value = quoteTXT(value)
		}
		fmt.Fprintf(&b, "%-*s %-6d IN %-5s %s\n", width, FQDN(r.Name), r.TTL, r.Type, value)
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
