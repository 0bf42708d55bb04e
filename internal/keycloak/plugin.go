package keycloak

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ReleaseComponents implements stack.Released. Keycloak migrates its database on start and
// supports upgrading from any older version (Keycloak upgrading guide), but not going back;
// keycloak-config-cli only runs the realm import.
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{
		{Name: ReleaseComponent, Upgrade: stack.ForwardOnly, Stateful: true},
		{Name: ConfigReleaseComponent, Upgrade: stack.ForwardOnly},
	}
}

// Hosts implements stack.HostClaimer: the identity host, while an enabled service logs users
// in through the provider's single sign-on. It is reserved even while the platform's
// Keycloak holds the realm, so that the workspace's own Keycloak can take over.
func (Component) Hosts(in stack.Inputs) []stack.Host {
	return kit.IngressHosts(enabled(in), in.Workspace.IdentityHost())
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, kit.JobKind, kit.ConfigMapKind, kit.SecretKind, kit.NetworkPolicyKind}, web.Kinds...)
}

// PlatformSecrets implements stack.PlatformSecretUser: the provider's Keycloak admin
// credentials, when the platform's Keycloak holds the realms.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	if p.Spec.Identity.Keycloak == nil {
		return nil
	}
	return []rathausv1alpha1.NamespacedName{p.Spec.Identity.Keycloak.AdminCredentialsSecret}
}

// ReportsFromInputsOnly implements stack.InputsOnlyReporter.
func (Component) ReportsFromInputsOnly() {}

// ReportStatus implements stack.StatusReporter: status.identity.
func (Component) ReportStatus(in stack.Inputs, _ time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	st.Identity = Status(in)
}
