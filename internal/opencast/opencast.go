// Package opencast renders the media service: Opencast for council TV, lecture and meeting
// recordings, on the workspace's PostgreSQL, with OpenSearch as its search index, the public
// engage (viewing) UI on the media host and the admin UI behind single sign-on on its own host.
//
// Upstream contract, read from opencast/opencast-docker at tag 20.0 (Dockerfile,
// rootfs/docker-entrypoint.sh, rootfs/docker-healthcheck.sh, rootfs/opencast/docker/scripts/*.sh,
// rootfs/opencast/etc/custom.properties and org.opencastproject.organization-mh_default_org.cfg-
// clustered, compose/compose.allinone.postgres.yaml and compose.multiserver.postgres.yaml) and
// opencast/opencast docs/guides/admin/docs/configuration/searchindex (OpenSearch 2.x with the
// analysis-icu plugin for Opencast 20; 3.x from Opencast 21). Opencast publishes no Helm chart;
// the compose files are upstream's reference topologies.
package opencast

import (
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	ComponentName = rathausv1alpha1.ServiceMedia

	// Release component names of the images: one Opencast distribution per node role
	// (quay.io/opencast/<distribution>), the search index and the admin UI's OIDC proxy.
	AllInOneImage     = "opencast-allinone"
	AdminImage        = "opencast-admin"
	PresentationImage = "opencast-presentation"
	WorkerImage       = "opencast-worker"
	OpenSearchImage   = "opensearch"
	ProxyImage        = "oauth2-proxy"

	database = "opencast"

	// Generated once, kept while they exist (stack.SecretOwner).
	adminSecret  = "rathaus-opencast-admin"  // the local admin account (custom.properties security.admin.*)
	digestSecret = "rathaus-opencast-digest" // the system account nodes call each other with (security.digest.*)
	cookieSecret = "rathaus-opencast-proxy"  // the admin UI proxy's cookie key

	// adminUser and digestUser are upstream's names for the two accounts (compose files).
	adminUser  = "admin"
	digestUser = "opencast_system_account"
)

// Component is the media service.
type Component struct{ web.Routed }

var (
	_ stack.Service      = Component{}
	_ stack.SecretOwner  = Component{}
	_ stack.DatabaseUser = Component{}
	_ stack.OIDCUser     = Component{}
)

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "MediaReady" }

func enabled(in stack.Inputs) bool { return in.Workspace.Spec.Services.Media.Enabled }

// host is the public engage (viewing) UI's host, media.<domain> by default.
func host(in stack.Inputs) string {
	return in.Workspace.ServiceHost(in.Workspace.Spec.Services.Media.ServiceSwitch, "media")
}

// adminHost is the admin UI's host, behind the OIDC proxy: the media host with "-admin"
// appended to its first label (media.kiel.de gives media-admin.kiel.de), so that a wildcard
// certificate of the media host's parent domain covers it too.
func adminHost(in stack.Inputs) string {
	first, rest, _ := strings.Cut(host(in), ".")
	if rest == "" {
		return first + "-admin"
	}
	return first + "-admin." + rest
}

// Endpoint implements stack.Service.
func (Component) Endpoint(in stack.Inputs) (string, string, bool) {
	return ComponentName, "https://" + host(in), enabled(in)
}

// Version implements stack.Service: the Opencast release of the admin image's tag, e.g. 20.0
// (all distributions share one tag per release).
func (Component) Version(in stack.Inputs) string {
	c, err := images.Find(in.Release, AdminImage)
	if err != nil {
		return ""
	}
	return c.Version
}

// OIDCClient implements stack.OIDCUser: the proxy's callback (oauth2-proxy's default
// --redirect-url path /oauth2/callback).
func (Component) OIDCClient(in stack.Inputs) (stack.OIDCClient, bool) {
	return kit.WebClient(ComponentName, adminHost(in), "/oauth2/callback"), enabled(in)
}

// Databases implements stack.DatabaseUser: Opencast on PostgreSQL instead of its embedded H2,
// which a multi-node cluster cannot share (opencast-docker README, "Database").
func (Component) Databases(in stack.Inputs) []string {
	if !enabled(in) {
		return nil
	}
	return []string{database}
}

// Secrets implements stack.SecretOwner. The cookie secret is 32 characters, which
// oauth2-proxy takes as an AES-256 key (it must be 16, 24 or 32 bytes).
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !enabled(in) {
		return nil
	}
	return []secrets.Spec{
		{Name: adminSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": adminUser}},
		{Name: digestSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": digestUser}},
		{Name: cookieSecret, Keys: []secrets.Key{secrets.Password("cookie-secret")}},
	}
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !enabled(in) {
		return nil, nil
	}
	if in.Identity == nil {
		return nil, fmt.Errorf("media needs single sign-on for its admin UI: set spec.identity")
	}
	t := topologyFor(in)
	if t.shared() && in.Platform.Spec.Storage.ReadWriteManyClass == "" {
		return nil, &stack.UnmetError{
			Reason: rathausv1alpha1.ReasonSharedStorageMissing,
			Message: fmt.Sprintf("size %s runs Opencast on several nodes that share one volume, but WorkspacePlatform %s names no spec.storage.readWriteManyClass; "+
				"set one, or choose size S (a single node)", in.Size(), in.Platform.Name),
		}
	}
	if t.shared() && !sharesVolume(in) {
		return nil, &stack.UnmetError{
			Reason: rathausv1alpha1.ReasonVolumeNotShared,
			Message: fmt.Sprintf("size %s runs Opencast on several nodes that share one volume, but %s was created ReadWriteOnce for a single node and "+
				"Kubernetes cannot change a volume's access mode; keep media at size S, or move the recordings to a shared volume (docs/services/media.md)", in.Size(), dataClaimName),
		}
	}
	var objs []client.Object
	nodes, err := renderNodes(in, t)
	if err != nil {
		return nil, err
	}
	objs = append(objs, nodes...)
	search, err := renderOpenSearch(in, t)
	if err != nil {
		return nil, err
	}
	objs = append(objs, search...)
	proxy, err := renderAdminProxy(in, t)
	if err != nil {
		return nil, err
	}
	objs = append(objs, proxy...)
	objs = append(objs, policies(in, t)...)
	return objs, nil
}
