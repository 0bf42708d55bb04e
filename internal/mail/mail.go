// Package mail renders the workspace's mail service independently of the server that runs
// it: the DKIM key of the mail domain, the public Service for SMTP, submission, IMAP and
// ManageSieve, the TLS certificate of the mail host, the web routes and the network paths.
// An Engine (Stalwart today; Postfix and Dovecot could follow) renders the server itself from
// a Plan, so a new engine never touches the reconciler or the DNS records.
package mail

import (
	"errors"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

const (
	ComponentName = rathausv1alpha1.ServiceMail
	// PublicService exposes the mail ports to the internet; its address is the MX target.
	PublicService = "rathaus-mail-public"
	// WebService is the engine's plain HTTP port behind the platform's ingress, for the
	// well-known hosts (autoconfig, MTA-STS policy).
	WebService = "rathaus-mail-web"
	// TLSSecret holds the certificate of the mail host when cert-manager issues it.
	TLSSecret = "rathaus-mail-tls"
	// DKIMSelector names the domain's DKIM key in DNS (<selector>._domainkey.<domain>). It is
	// fixed: the key is generated once and kept, so the record never changes; a rotation
	// would add a second selector.
	DKIMSelector = "rathaus1"
	// DKIMKey is the key of the DKIM Secret that holds the PEM private key.
	DKIMKey = "dkim.key"
)

// Port is a mail protocol's port. The engine's pods must expose every port of Ports under
// its name; the public Service targets them by name.
type Port struct {
	Name   string
	Number int32
}

// Ports are the protocols a workspace's mail server offers on the internet: SMTP for
// inbound mail, submission with implicit TLS (RFC 8314) and with STARTTLS, IMAP with
// implicit TLS, ManageSieve for filters, and HTTPS (web admin, JMAP, CalDAV/CardDAV, OAuth
// discovery) from the server itself. Cleartext IMAP and POP3 are not offered.
//
// The mail host is one name for all of them, so it points at the public Service, not at the
// ingress: a name cannot lead to different addresses for different ports, and mail clients
// expect IMAP, submission and JMAP on one host.
var Ports = []Port{
	{Name: "https", Number: 443},
	{Name: "smtp", Number: 25},
	{Name: "submissions", Number: 465},
	{Name: "submission", Number: 587},
	{Name: "imaps", Number: 993},
	{Name: "sieve", Number: 4190},
}

// WebPortName is the name of the engine's container port that serves plain HTTP to the
// ingress (autoconfig and MTA-STS hosts) and to in-cluster clients.
const WebPortName = "http"

// Engine runs the mail server of a workspace.
type Engine interface {
	// Name of the engine, for messages.
	Name() string
	// ReleaseComponent is the release component whose version the service reports.
	ReleaseComponent() string
	// Databases the engine needs in the workspace's PostgreSQL.
	Databases() []string
	// Secrets the engine generates for itself (its administrator, ...).
	Secrets(in stack.Inputs) []secrets.Spec
	// Render returns the engine's objects: its workload, configuration and the ClusterIP
	// Service WebService. Its pods carry p.PodLabels and expose Ports and WebPortName.
	Render(in stack.Inputs, p Plan) ([]client.Object, error)
}

// Plan is what an engine must set up, decided by this package from the workspace and the
// platform.
type Plan struct {
	// Domain is the mail domain; Host is the mail server's name (MX target, SMTP banner,
	// client settings, web admin).
	Domain, Host string
	// DKIMSecret holds the domain's private signing key under DKIMKey; DKIMSelector names it.
	DKIMSecret, DKIMSelector string
	// TLSSecret is a kubernetes.io/tls Secret with the certificate of Host, "" when the
	// platform provides none (the engine then uses a self-signed one).
	TLSSecret string
	// MTASTSMode is the MTA-STS policy mode: enforce with a trusted certificate, testing
	// otherwise (RFC 8461 section 5).
	MTASTSMode string
	// Relay is the platform's smart host for outbound mail; nil means direct MX delivery.
	Relay *Relay
	// Mailboxes are the local parts of the application admins whose address is in Domain,
	// sorted: their mailboxes exist from the start.
	Mailboxes []string
	// IssuerURL and ClientID: users log in through the workspace's identity provider.
	IssuerURL, ClientID string
	// PodLabels are the labels of the engine's server pods: the public and web Services
	// select them and the network policies admit traffic to them.
	PodLabels map[string]string
}

// Relay is an outbound smart host.
type Relay struct {
	Host string
	Port int32
	// ImplicitTLS on port 465; STARTTLS otherwise.
	ImplicitTLS bool
	// Username, "" when the relay needs no authentication; the password is key "password" of
	// stack.SMTPSecret.
	Username string
}

// Component is the mail service.
type Component struct {
	Engine Engine
}

var (
	_ stack.Service      = Component{}
	_ stack.SecretOwner  = Component{}
	_ stack.DatabaseUser = Component{}
	_ stack.OIDCUser     = Component{}
)

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "MailReady" }

// PublicServices implements stack.Exposed: the public Service's mail ports.
func (Component) PublicServices(in stack.Inputs) stack.PublicServices {
	if !Enabled(in) {
		return stack.PublicServices{}
	}
	typ := corev1.ServiceTypeLoadBalancer
	if in.Platform.Spec.Mail.Exposure == rathausv1alpha1.MailExposureNodePort {
		typ = corev1.ServiceTypeNodePort
	}
	return kit.PublicPorts(typ, len(Ports))
}

// Enabled reports whether the workspace has mail.
func Enabled(in stack.Inputs) bool { return in.Workspace.Spec.Services.Mail.Enabled }

// Host is the mail server's name.
func Host(in stack.Inputs) string {
	return in.Workspace.ServiceHost(in.Workspace.Spec.Services.Mail.ServiceSwitch, "mail")
}

// Domain is the mail domain: the workspace's domain.
func Domain(in stack.Inputs) string { return in.Workspace.Spec.Domain }

// DKIMSecret names the Secret of a mail domain's DKIM key. One per domain, so that a second
// domain gets its own key.
func DKIMSecret(domain string) string { return "rathaus-dkim-" + strings.ReplaceAll(domain, ".", "-") }

// Endpoint implements stack.Service: users reach webmail clients' settings and the web admin
// at the mail host.
func (Component) Endpoint(in stack.Inputs) (string, string, bool) {
	return ComponentName, "https://" + Host(in), Enabled(in)
}

// Version implements stack.Service.
func (c Component) Version(in stack.Inputs) string {
	comp, err := images.Find(in.Release, c.Engine.ReleaseComponent())
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(comp.Version, "v")
}

// OIDCClient implements stack.OIDCUser. Mail clients and the web interface log in with OAuth
// at the identity provider and present its tokens to the mail server.
func (Component) OIDCClient(in stack.Inputs) (stack.OIDCClient, bool) {
	return kit.WebClient(ComponentName, Host(in), "/*"), Enabled(in)
}

// Databases implements stack.DatabaseUser.
func (c Component) Databases(in stack.Inputs) []string {
	if !Enabled(in) {
		return nil
	}
	return c.Engine.Databases()
}

// Secrets implements stack.SecretOwner: the domain's DKIM key, generated once and kept for as
// long as the Secret exists (also while mail is switched off), and the engine's own.
func (c Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !Enabled(in) {
		return nil
	}
	dkim := secrets.Spec{
		Name:   DKIMSecret(Domain(in)),
		Keys:   []secrets.Key{secrets.RSAPrivateKey(DKIMKey)},
		Static: map[string]string{"domain": Domain(in), "selector": DKIMSelector},
	}
	return append([]secrets.Spec{dkim}, c.Engine.Secrets(in)...)
}

// Render implements stack.Component.
func (c Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !Enabled(in) {
		return nil, nil
	}
	if in.Identity == nil {
		return nil, errors.New("mail needs single sign-on: set spec.identity")
	}
	p, err := PlanFor(in)
	if err != nil {
		return nil, err
	}
	objs, err := c.Engine.Render(in, p)
	if err != nil {
		return nil, err
	}
	return append(objs, exposure(in, p)...), nil
}

// PlanFor decides what the engine sets up.
func PlanFor(in stack.Inputs) (Plan, error) {
	p := Plan{
		Domain:       Domain(in),
		Host:         Host(in),
		DKIMSecret:   DKIMSecret(Domain(in)),
		DKIMSelector: DKIMSelector,
		MTASTSMode:   MTASTSMode(in),
		ClientID:     ComponentName,
		PodLabels:    kit.PodLabels(in, "mail"),
	}
	if in.Identity != nil {
		p.IssuerURL = in.Identity.IssuerURL
	}
	if tls := tlsSecret(in); tls != "" {
		p.TLSSecret = tls
	}
	if r := in.Platform.Spec.SMTPRelay; r != nil {
		relay := &Relay{Host: r.Host, Port: r.Port}
		if relay.Port == 0 {
			relay.Port = 587
		}
		relay.ImplicitTLS = relay.Port == 465
		if r.CredentialsSecret != nil {
			data, ok := in.PlatformSecrets[stack.RefKey(*r.CredentialsSecret)]
			if !ok {
				return Plan{}, errors.New("the platform's mail relay credentials were not read")
			}
			relay.Username = string(data["username"])
		}
		p.Relay = relay
	}
	for _, a := range in.Workspace.Spec.Admins {
		local, domain, ok := strings.Cut(strings.ToLower(a), "@")
		if ok && local != "" && domain == strings.ToLower(p.Domain) {
			p.Mailboxes = append(p.Mailboxes, local)
		}
	}
	slices.Sort(p.Mailboxes)
	p.Mailboxes = slices.Compact(p.Mailboxes)
	return p, nil
}

// MTASTSMode is the MTA-STS policy mode: enforce when the mail host has a certificate other
// servers trust, testing while it has only the engine's self-signed one (RFC 8461 section 5).
func MTASTSMode(in stack.Inputs) string {
	if tlsSecret(in) != "" {
		return "enforce"
	}
	return "testing"
}

// tlsSecret is the Secret with the mail host's certificate: cert-manager's, issued by the
// platform's ClusterIssuer, or the baseline's copy of the platform's wildcard certificate.
func tlsSecret(in stack.Inputs) string {
	switch ing := in.Platform.Spec.Ingress; {
	case ing.ClusterIssuer != "":
		return TLSSecret
	case ing.WildcardCertificateSecret != nil:
		return stack.TLSSecret
	}
	return ""
}

// NeedsCertificate reports whether the workspace's mail renders a cert-manager Certificate,
// so the reconciler checks that cert-manager is installed only then.
func NeedsCertificate(ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) bool {
	return ws.Spec.Services.Mail.Enabled && p.Spec.Ingress.ClusterIssuer != ""
}

// Contracts implements contract.Holder with the engine's image contracts.
func (c Component) Contracts() []contract.Image {
	if h, ok := c.Engine.(contract.Holder); ok {
		return h.Contracts()
	}
	return nil
}
