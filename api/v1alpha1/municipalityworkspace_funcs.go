package v1alpha1

import (
	"slices"
	"strings"
)

// Service names, as used in conditions, status.services and labels.
const (
	ServiceMail  = "mail"
	ServiceFiles = "files"
	ServiceVideo = "video"
	ServiceMedia = "media"
)

// defaultSubdomains are the host prefixes of services that set no host of their own.
var defaultSubdomains = map[string]string{
	ServiceMail:  "mail",
	ServiceFiles: "files",
	ServiceVideo: "meet",
	ServiceMedia: "media",
}

// ServiceSwitches returns the switch of every service by name, in a fixed order.
func (s *WorkspaceServices) ServiceSwitches() []NamedSwitch {
	return []NamedSwitch{
		{Name: ServiceMail, Switch: s.Mail.ServiceSwitch},
		{Name: ServiceFiles, Switch: s.Files.ServiceSwitch},
		{Name: ServiceVideo, Switch: s.Video.ServiceSwitch},
		{Name: ServiceMedia, Switch: s.Media.ServiceSwitch},
	}
}

// NamedSwitch is a service's switch with the service's name.
type NamedSwitch struct {
	Name   string
	Switch ServiceSwitch
}

// ServiceHost returns the host a service is reached at: its own host, or the default
// subdomain of the workspace's domain.
func (w *MunicipalityWorkspace) ServiceHost(service string, sw ServiceSwitch) string {
	if sw.Host != "" {
		return sw.Host
	}
	return defaultSubdomains[service] + "." + w.Spec.Domain
}

// usesSingleSignOn reports whether any enabled service logs users in; video with public
// rooms does not.
func (w *MunicipalityWorkspace) usesSingleSignOn() bool {
	s := w.Spec.Services
	return s.Files.Enabled || s.Mail.Enabled || s.Media.Enabled || s.Video.Enabled && !s.Video.PublicRooms
}

// IdentityHost returns the host of the Keycloak the operator runs for the workspace when the
// platform names none.
func (w *MunicipalityWorkspace) IdentityHost() string {
	if w.Spec.Identity.Host != "" {
		return w.Spec.Identity.Host
	}
	return "id." + w.Spec.Domain
}

// MediaAdminHost returns the host of the media service's admin UI: the media host with
// "-admin" appended to its first label (media.kiel.de gives media-admin.kiel.de), so that a
// wildcard certificate of the media host's parent domain covers it too.
func (w *MunicipalityWorkspace) MediaAdminHost() string {
	first, rest, _ := strings.Cut(w.ServiceHost(ServiceMedia, w.Spec.Services.Media.ServiceSwitch), ".")
	if rest == "" {
		return first + "-admin"
	}
	return first + "-admin." + rest
}

// ClaimedHosts returns the DNS names this workspace uses: its domain, the hosts of its enabled
// services (with mail also autoconfig.<domain> and mta-sts.<domain>) and, while an enabled service logs users in through the provider's single
// sign-on, the identity host (reserved even while the platform's Keycloak holds the realm, so
// the workspace's own Keycloak can take over); sorted and without duplicates. Two workspaces
// must never share one.
func (w *MunicipalityWorkspace) ClaimedHosts() []string {
	hosts := []string{w.Spec.Domain}
	for _, s := range w.Spec.Services.ServiceSwitches() {
		if s.Switch.Enabled {
			hosts = append(hosts, w.ServiceHost(s.Name, s.Switch))
		}
	}
	if w.Spec.Services.Mail.Enabled {
		// Mail clients' autoconfig and sending servers' MTA-STS policy live at well-known
		// hosts of the mail domain.
		hosts = append(hosts, "autoconfig."+w.Spec.Domain, "mta-sts."+w.Spec.Domain)
	}
	if w.Spec.Services.Media.Enabled {
		hosts = append(hosts, w.MediaAdminHost())
	}
	if w.usesSingleSignOn() && w.Spec.Identity.Mode != IdentityExternal {
		hosts = append(hosts, w.IdentityHost())
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
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
