package stack

import (
	"fmt"
	"strings"

	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
)

// StorageClass returns the platform's class for single-node volumes, nil for the cluster default.
func (in Inputs) StorageClass() *string {
	if c := in.Platform.Spec.Storage.ReadWriteOnceClass; c != "" {
		return ptr.To(c)
	}
	return nil
}

// Artifact returns where a file the release pins is fetched: its upstream HTTPS URL, or the
// same host and path below the platform's artifact mirror.
func (in Inputs) Artifact(upstream string) string {
	m := strings.TrimSuffix(in.Platform.Spec.Artifacts.Mirror, "/")
	if m == "" {
		return upstream
	}
	return m + "/" + strings.TrimPrefix(upstream, "https://")
}

// ArtifactPort is the TCP port artifacts are fetched from: the mirror's, else 443.
func (in Inputs) ArtifactPort() int32 {
	if in.Platform.Spec.Artifacts.Mirror == "" {
		return 443
	}
	return URLPort(in.Platform.Spec.Artifacts.Mirror)
}

// DefaultClusterDomain is the DNS domain of a cluster whose platform names none.
const DefaultClusterDomain = "cluster.local"

// ServiceFQDN is the fully qualified name of the workspace's Service name, for programs that
// resolve names without the search domains of /etc/resolv.conf.
func (in Inputs) ServiceFQDN(name string) string {
	domain := in.Platform.Spec.Network.ClusterDomain
	if domain == "" {
		domain = DefaultClusterDomain
	}
	return name + "." + in.Workspace.Namespace + ".svc." + domain
}

// Size is the workspace's size tier, S when unset (the API's default).
func (in Inputs) Size() rathausv1alpha1.SizeTier {
	if in.Workspace.Spec.Size == "" {
		return rathausv1alpha1.SizeS
	}
	return in.Workspace.Spec.Size
}

// OperatorComponent names the operator's own image among the components' images: helper
// Jobs that act on a workspace's objects run it (Inputs.OperatorImage), not a release's.
const OperatorComponent = "rathaus"

// Image returns the pull reference of a release component through the platform's mirror, or
// the operator's own image for OperatorComponent (which the provider already pulls from where
// it chose).
func (in Inputs) Image(component string) (string, error) {
	if component == OperatorComponent {
		if in.OperatorImage == "" {
			return "", fmt.Errorf("the operator does not know its own image: start it with --operator-image (the chart does)")
		}
		return in.OperatorImage, nil
	}
	c, err := images.Find(in.Release, component)
	if err != nil {
		return "", err
	}
	return images.Reference(c, in.Platform.Spec.Registry.Mirror), nil
}
