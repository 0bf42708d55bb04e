// Package stack is the plug-in contract between the operator and the parts of a workspace's
// stack: the inputs every part is rendered from (Inputs), what a part may tell the operator
// about itself (plugin.go), and the names parts share. The builders renderers use (metadata,
// pods, Jobs, kinds) are in stack/kit.
package stack

import (
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/secrets"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/sizing"
)

// Inputs is everything a workspace's desired state is computed from. Renderers must not look
// anywhere else (no clock, no randomness, no client), so the same inputs give the same objects.
type Inputs struct {
	Workspace *rathausv1alpha1.MunicipalityWorkspace
	Platform  *rathausv1alpha1.WorkspacePlatform
	Release   *rathausv1alpha1.StackRelease
	// Hosts are the DNS names the workspace holds (its domain and enabled services' hosts).
	Hosts []string

	// Derived by desired.Derive from the above; renderers read, never compute, them.

	// Tier is the workspace's size tier with the platform's overrides.
	Tier sizing.Tier
	// Databases are the PostgreSQL databases the enabled components use, sorted.
	Databases []string
	// Credentials are the generated-credential Secrets the enabled components need, in
	// component order (desired.Secrets).
	Credentials []secrets.Spec
	// BackupSources are where the enabled components' data lies (stack.BackedUp), in component
	// order.
	BackupSources []BackupSource

	// PlatformSecrets are the data of the Secrets the platform references (object storage
	// credentials, ...), by "namespace/name", for components that copy them into the
	// workspace namespace. Gathered by the reconciler as PlatformSecretRefs lists them.
	PlatformSecrets map[string]map[string][]byte

	// Identity is the workspace's single sign-on; nil when none is configured.
	Identity *Identity
	// OIDCClients are the clients of the enabled services that log users in, by service.
	OIDCClients []OIDCClient
	// Public are the load balancers and node ports the enabled components' Services take,
	// which the namespace's quota must allow.
	Public PublicServices
	// Endpoints are the enabled user-facing services with their URLs and versions, in
	// component order.
	Endpoints []Endpoint

	// Records are the DNS records the municipality must publish, from the enabled components'
	// hosts and records (desired.Records); derived once the public keys are known.
	Records []rathausv1alpha1.DNSRecord

	// PublicKeys are the DER public keys of generated private keys (secrets.KindRSA2048), by
	// KeyRef(secret, key). The reconciler derives them from the generated Secrets before
	// rendering, so that records such as DKIM can be published while private keys never
	// enter the inputs. A key is missing until its Secret exists.
	PublicKeys map[string][]byte

	// Observed are the workspace's objects as the cluster holds them now, by Key. Renderers
	// read them only for facts the cluster decides, such as the address a load balancer got.
	Observed map[string]client.Object
	// OperatorImage is the operator's own image, which the Job restoring a workspace's
	// credentials runs (OperatorComponent); empty when the operator was not told it.
	OperatorImage string
	// BackupPods are the pods of the workspace's backup Jobs the cluster still shows, their
	// status only: each run's summary is its termination message.
	BackupPods []corev1.Pod
}

// Identity is the OpenID Connect issuer the workspace's users log in with.
type Identity struct {
	// IssuerURL is the issuer, e.g. https://id.kiel.de/realms/kiel; its discovery document is
	// at IssuerURL + "/.well-known/openid-configuration".
	IssuerURL string
}

// Port is the TCP port of the issuer URL: where the services that fetch its discovery
// document and keys must be allowed to connect.
func (id *Identity) Port() int32 { return URLPort(id.IssuerURL) }

// URLPort is the TCP port of an https:// URL, 443 unless it names one.
func URLPort(raw string) int32 {
	u, err := url.Parse(raw)
	if err != nil {
		return 443
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil || p <= 0 || p > 65535 {
		return 443
	}
	return int32(p)
}

// Endpoint is where users reach an enabled service, and the upstream version it runs at the
// inputs' release.
type Endpoint struct {
	Service string
	URL     string
	Version string
	// ConditionType is the service's condition, which says whether it is ready.
	ConditionType string
}

// OIDCClient is a service's registration at the identity provider.
type OIDCClient struct {
	// Service is the client's ID and the service's name.
	Service string
	// RedirectURIs the provider may send users back to after login.
	RedirectURIs []string
	// PostLogoutRedirectURIs the provider may send users back to after logout.
	PostLogoutRedirectURIs []string
	// WebOrigins allowed for cross-origin requests.
	WebOrigins []string
}

// PublicServices counts a workspace's Services that are reachable from outside the cluster.
type PublicServices struct {
	// LoadBalancers is the number of Services of type LoadBalancer.
	LoadBalancers int64
	// NodePorts is the number of node ports they take: every port of a NodePort Service, and
	// of a LoadBalancer Service, which allocates node ports as well.
	NodePorts int64
}

// Add returns the sum of p and o.
func (p PublicServices) Add(o PublicServices) PublicServices {
	return PublicServices{LoadBalancers: p.LoadBalancers + o.LoadBalancers, NodePorts: p.NodePorts + o.NodePorts}
}

// OIDCClientSecret names the Secret holding a service's OIDC client credentials, keys
// "client-id" and "client-secret". The identity component creates it in Provider mode; in
// External mode the provider does, with what the municipality's issuer registered.
func OIDCClientSecret(service string) string { return "rathaus-oidc-" + service }

// AdminLoginSecret holds the one-time passwords of a workspace's admins, which its tenant
// role may read: the first login needs no mail.
const AdminLoginSecret = "rathaus-admin-login"

// Names of the copies of platform Secrets in every workspace namespace that needs them.
const (
	RegistrySecret = "rathaus-registry"
	TLSSecret      = "rathaus-tls"
	SMTPSecret     = "rathaus-smtp"
)

// KeyRef is the key of a generated key's public half in PublicKeys.
func KeyRef(secret, key string) string { return secret + "/" + key }

// RefKey is the key of a platform Secret in PlatformSecrets.
func RefKey(ref rathausv1alpha1.NamespacedName) string { return ref.Namespace + "/" + ref.Name }

// Key identifies an object by kind, namespace and name, e.g.
// "NetworkPolicy/kiel/rathaus-default-deny".
func Key(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}
