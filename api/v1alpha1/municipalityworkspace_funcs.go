package v1alpha1

// Service names, as used in conditions, status.services and labels.
const (
	ServiceMail  = "mail"
	ServiceFiles = "files"
	ServiceVideo = "video"
	ServiceMedia = "media"
)

// ServiceHost returns the host a service is reached at: its own host, or subdomain (its
// default, e.g. "files") of the workspace's domain.
func (w *MunicipalityWorkspace) ServiceHost(sw ServiceSwitch, subdomain string) string {
	if sw.Host != "" {
		return sw.Host
	}
	return subdomain + "." + w.Spec.Domain
}

// IdentityHost returns the host of the Keycloak the operator runs for the workspace when the
// platform names none.
func (w *MunicipalityWorkspace) IdentityHost() string {
	if w.Spec.Identity.Host != "" {
		return w.Spec.Identity.Host
	}
	return "id." + w.Spec.Domain
}

// PlatformName returns the WorkspacePlatform the workspace uses.
func (w *MunicipalityWorkspace) PlatformName() string {
	if w.Spec.Platform == "" {
		return DefaultPlatformName
	}
	return w.Spec.Platform
}

// EffectiveDeletionPolicy returns the deletion policy, Retain when unset.
func (w *MunicipalityWorkspace) EffectiveDeletionPolicy() DeletionPolicy {
	if w.Spec.DeletionPolicy == "" {
		return DeletionPolicyRetain
	}
	return w.Spec.DeletionPolicy
}
