// Package stack holds what every renderer of a workspace's stack shares: the inputs it is
// rendered from and the metadata every rendered object carries.
package stack

import (
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/inventory"
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

// PublicPorts counts a Service with ports ports of the given type: a LoadBalancer also takes
// a node port per port.
func PublicPorts(typ corev1.ServiceType, ports int) PublicServices {
	p := PublicServices{NodePorts: int64(ports)}
	if typ == corev1.ServiceTypeLoadBalancer {
		p.LoadBalancers = 1
	}
	return p
}

// WebClient is the client of a web service at host that receives logins at callbackPath and
// sends users back to its start page after logout.
func WebClient(service, host, callbackPath string) OIDCClient {
	base := "https://" + host
	return OIDCClient{
		Service:                service,
		RedirectURIs:           []string{base + callbackPath},
		PostLogoutRedirectURIs: []string{base + "/"},
		WebOrigins:             []string{base},
	}
}

// OIDCClientSecret names the Secret holding a service's OIDC client credentials, keys
// "client-id" and "client-secret". The identity component creates it in Provider mode; in
// External mode the provider does, with what the municipality's issuer registered.
func OIDCClientSecret(service string) string { return "rathaus-oidc-" + service }

// AdminLoginSecret holds the one-time passwords of a workspace's admins, which its tenant
// role may read: the first login needs no mail.
const AdminLoginSecret = "rathaus-admin-login"

// AdminLoginKey is the key of an admin's one-time password in AdminLoginSecret: the e-mail
// address with every character a Secret key cannot hold replaced by "-" ("it@kiel.de" gives
// "it-kiel.de"); a Secret key allows letters, digits, "-", "_" and ".".
func AdminLoginKey(email string) string {
	b := []byte(strings.ToLower(email))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}

// Names of the copies of platform Secrets in every workspace namespace that needs them.
const (
	RegistrySecret = "rathaus-registry"
	TLSSecret      = "rathaus-tls"
	SMTPSecret     = "rathaus-smtp"
)

// PlatformSecretCopy returns a copy of the platform Secret ref under name, with the given keys,
// as an object of component; false when the platform Secret was not read.
func PlatformSecretCopy(in Inputs, component, name string, ref rathausv1alpha1.NamespacedName, typ corev1.SecretType, keys ...string) (*corev1.Secret, bool) {
	data, ok := in.PlatformSecrets[RefKey(ref)]
	if !ok {
		return nil, false
	}
	copied := make(map[string][]byte, len(keys))
	for _, k := range keys {
		copied[k] = data[k]
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: Meta(in, component, name),
		Type:       typ,
		Data:       copied,
	}, true
}

// KeyRef is the key of a generated key's public half in PublicKeys.
func KeyRef(secret, key string) string { return secret + "/" + key }

// RefKey is the key of a platform Secret in PlatformSecrets.
func RefKey(ref rathausv1alpha1.NamespacedName) string { return ref.Namespace + "/" + ref.Name }

// Key identifies an object by kind, namespace and name, e.g.
// "NetworkPolicy/kiel/rathaus-default-deny".
func Key(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}

// Meta returns the metadata of a workspace object: namespace, inventory labels and the
// workspace as controlling owner, so Kubernetes garbage-collects it with the workspace.
func Meta(in Inputs, component, name string) metav1.ObjectMeta {
	ws := in.Workspace
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: ws.Namespace,
		Labels:    inventory.Labels(ws.Name, component),
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion:         rathausv1alpha1.GroupVersion.String(),
			Kind:               "MunicipalityWorkspace",
			Name:               ws.Name,
			UID:                ws.UID,
			Controller:         ptr.To(true),
			BlockOwnerDeletion: ptr.To(true),
		}},
	}
}

// DataMeta returns the metadata of an object that holds the municipality's data (a volume, a
// generated credential). It has no owner reference, so deleting the workspace never
// garbage-collects it; only deletionPolicy Delete removes it.
func DataMeta(in Inputs, component, name string) metav1.ObjectMeta {
	m := Meta(in, component, name)
	m.OwnerReferences = nil
	m.Labels[inventory.DataLabel] = "true"
	return m
}
