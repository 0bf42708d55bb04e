package opencast

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// policies open the paths the media service needs on top of the tenant baseline's default
// deny. The ingress controller reaches the engage role and the proxy through tenant.WebLabel;
// the database path is the database component's, through postgres.ClientLabel.
func policies(in stack.Inputs, t topology) []client.Object {
	var objs []client.Object
	// Nodes call each other's REST services, dispatch jobs to workers and fetch files from the
	// admin node's working file repository, all on the HTTP port.
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-opencast-nodes", nodesSelector(in), nodesSelector(in), netpol.TCP(httpPort))...)
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-opencast-admin-proxy", kit.PodLabels(in, proxyApp), nodeSelector(in, t.adminRole()), netpol.TCP(httpPort))...)
	searchClients := map[string]string{searchClientLabel: "true", ownership.WorkspaceLabel: in.Workspace.Name}
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-opensearch", searchClients, kit.PodLabels(in, searchApp), netpol.TCP(searchPort))...)
	// The proxy fetches the issuer's discovery document and keys and redeems codes.
	objs = append(objs, netpol.ToInternet(in, ComponentName, "rathaus-opencast-admin-proxy-internet", kit.PodLabels(in, proxyApp), in.Identity.Port()))
	// OpenSearch fetches the analysis-icu plugin at start.
	objs = append(objs, netpol.ToInternet(in, ComponentName, "rathaus-opensearch-plugins", kit.PodLabels(in, searchApp), in.ArtifactPort()))
	// The admin node fetches the issuer's discovery document and signing keys to verify the
	// ID tokens the proxy passes on (jwtLoginHandler jwksUrl).
	objs = append(objs, netpol.ToInternet(in, ComponentName, "rathaus-opencast-admin-internet", nodeSelector(in, t.adminRole()), in.Identity.Port()))
	return objs
}
