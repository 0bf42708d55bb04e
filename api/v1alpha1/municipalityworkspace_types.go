package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SizeTier is the size of a municipality by number of users. It drives quotas, replicas and
// storage; a WorkspacePlatform may override the figures per tier.
// +kubebuilder:validation:Enum=S;M;L;XL
type SizeTier string

const (
	// SizeS is a small municipality, up to 500 users.
	SizeS SizeTier = "S"
	// SizeM is a town, up to 2,000 users.
	SizeM SizeTier = "M"
	// SizeL is a city or district administration, up to 10,000 users.
	SizeL SizeTier = "L"
	// SizeXL is a large city, up to 50,000 users.
	SizeXL SizeTier = "XL"
)

// DeletionPolicy says what happens to a workspace's data when the workspace is deleted or a
// service is switched off.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionPolicyRetain keeps volumes and generated credentials.
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete removes them too.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// DayOfWeek is an English day name.
// +kubebuilder:validation:Enum=Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday
type DayOfWeek string

// MunicipalityWorkspaceSpec describes one municipality's digital workplace.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.municipalityKey) || (has(self.municipalityKey) && self.municipalityKey == oldSelf.municipalityKey)",message="municipalityKey cannot be changed or removed once set"
type MunicipalityWorkspaceSpec struct {
	// DisplayName is the municipality's name as its users know it, e.g. "Landeshauptstadt Kiel".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	DisplayName string `json:"displayName"`

	// MunicipalityKey is the official municipality key (Amtlicher Gemeindeschlüssel, AGS):
	// 8 digits, e.g. "01002000" for Kiel. Immutable once set.
	// +optional
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{8}$')",message="municipalityKey must be the 8-digit Amtlicher Gemeindeschlüssel, e.g. 01002000"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]{8}$') || self.matches('^(0[1-9]|1[0-6])')",message="municipalityKey must begin with the code of a Land, 01 (Schleswig-Holstein) to 16 (Thüringen)"
	MunicipalityKey string `json:"municipalityKey,omitempty"`

	// Domain is the municipality's primary DNS domain; service hosts default to subdomains of it
	// (files.<domain>, meet.<domain>, media.<domain>, mail.<domain>). Immutable.
	// Names derive from it (media-admin.<domain>, the DKIM key's Secret rathaus-dkim-<domain>),
	// which must stay within Kubernetes' and DNS's 253 characters.
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$')",message="domain must be a lower-case DNS name such as musterstadt.de (write umlauts in punycode, e.g. xn--mnchen-3ya.de)"
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('.local') && !self.endsWith('.internal') && !self.endsWith('.svc') && !self.endsWith('.arpa')",message="domain must be a public DNS name, not a cluster-internal or special-use one (.local, .internal, .svc, .arpa)"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domain is immutable; create a new workspace to move a municipality to another domain"
	Domain string `json:"domain"`

	// Size is the size tier by number of users.
	// +kubebuilder:default=S
	// +optional
	Size SizeTier `json:"size,omitempty"`

	// Release selects the stack release: follow a channel or pin a version.
	// +kubebuilder:default={channel: stable}
	// +optional
	Release *ReleaseSelector `json:"release,omitempty"`

	// MaintenanceWindow is when upgrades may start. Without it, upgrades start on Saturdays and
	// Sundays at 02:00 Europe/Berlin, for up to four hours.
	// +optional
	MaintenanceWindow *MaintenanceWindow `json:"maintenanceWindow,omitempty"`

	// Upgrades says how the workspace takes new releases: immediately or in its window, and
	// whether a step may run without a pre-upgrade backup.
	// +optional
	Upgrades UpgradePolicy `json:"upgrades,omitempty"`

	// Backup is what the municipality chooses of its backups, where the platform lets it
	// (spec.backup.workspaceTime): the time of day they run.
	// +optional
	Backup *WorkspaceBackup `json:"backup,omitempty"`

	// Admins are the e-mail addresses of the municipality's application administrators.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="self.all(a, a.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$'))",message="admins must be e-mail addresses such as it@musterstadt.de"
	Admins []string `json:"admins,omitempty"`

	// TenantAccess names the Kubernetes users and groups who may edit this workspace and read the
	// state of its stack (never its Secrets).
	// +optional
	TenantAccess TenantAccess `json:"tenantAccess,omitempty"`

	// Platform is the name of the WorkspacePlatform this workspace runs on.
	// +kubebuilder:default=default
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="platform must be the name of a WorkspacePlatform, a lower-case DNS name such as default"
	// +optional
	Platform string `json:"platform,omitempty"`

	// Identity is the single sign-on the municipality's users log in with.
	// +optional
	Identity IdentitySpec `json:"identity,omitempty"`

	// Services switches the workplace's services on and off.
	// +optional
	Services WorkspaceServices `json:"services,omitempty"`

	// DeletionPolicy says whether volumes and generated credentials are kept (Retain) or removed
	// (Delete) when the workspace is deleted or a service is switched off.
	// +kubebuilder:default=Retain
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// Restore brings the workspace's data back from its backups, in place: the services are
	// held while the stores are restored, then started again (docs/backup.md). The provider's
	// to set. Each restore.id is carried out once; a new id restores again.
	// +optional
	Restore *WorkspaceRestore `json:"restore,omitempty"`

	// Suspend stops reconciliation; the running stack is left as it is.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ReleaseSelector picks the stack release: exactly one of channel or version.
// +kubebuilder:validation:XValidation:rule="has(self.channel) != has(self.version)",message="set exactly one of release.channel or release.version"
type ReleaseSelector struct {
	// Channel follows the newest release of a channel, e.g. stable or rapid.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z][a-z0-9-]*$')",message="release.channel must be a lower-case name such as stable"
	Channel string `json:"channel,omitempty"`

	// Version pins a release by its calendar version, e.g. 2026.11.0.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}\\\\.([1-9]|1[0-2])\\\\.(0|[1-9][0-9]*)$')",message="release.version must be a calendar version such as 2026.11.0"
	Version string `json:"version,omitempty"`
}

// MaintenanceWindow is a weekly window in which upgrades may start.
type MaintenanceWindow struct {
	// Days on which the window opens.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=7
	Days []DayOfWeek `json:"days"`

	// Start is the local time at which the window opens, as HH:MM (24-hour clock).
	// +kubebuilder:validation:MaxLength=5
	// +kubebuilder:validation:XValidation:rule="self.matches('^([01][0-9]|2[0-3]):[0-5][0-9]$')",message="maintenanceWindow.start must be a time such as 02:30"
	Start string `json:"start"`

	// Duration is how long the window stays open, between 30m and 24h, e.g. 4h or 1h30m.
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+h)?([0-9]+m)?$') && self != '' && duration(self) >= duration('30m') && duration(self) <= duration('24h')",message="maintenanceWindow.duration must lie between 30m and 24h, written like 4h or 1h30m"
	Duration string `json:"duration"`

	// TimeZone is the IANA time zone of Start, e.g. Europe/Berlin.
	// +kubebuilder:default=Europe/Berlin
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z]+(/[A-Za-z0-9_+-]+)+$') || self == 'UTC'",message="maintenanceWindow.timeZone must be an IANA time zone such as Europe/Berlin or UTC (not Local: the operator's own zone would decide)"
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
}

// TenantAccess lists the Kubernetes subjects a municipality's admins log in as.
type TenantAccess struct {
	// Users are Kubernetes user names.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.all(u, !u.startsWith('system:'))",message="tenantAccess.users must not name system: users (system:anonymous, service accounts, the cluster's components): grant municipality staff by their own names"
	Users []string `json:"users,omitempty"`

	// Groups are Kubernetes group names.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.all(g, !g.startsWith('system:'))",message="tenantAccess.groups must not name system: groups (system:authenticated, system:unauthenticated, system:serviceaccounts, system:masters)"
	Groups []string `json:"groups,omitempty"`
}

// IdentityMode selects where users log in.
// +kubebuilder:validation:Enum=Provider;External
type IdentityMode string

const (
	// IdentityProvider is the provider's single sign-on: one realm for the workspace, holding
	// the services' clients and the application admins, in the Keycloak the platform names,
	// or, when it names none, in a Keycloak the operator runs for the workspace.
	IdentityProvider IdentityMode = "Provider"
	// IdentityExternal uses the municipality's own OpenID Connect issuer; the client
	// credentials of each service come from Secrets rathaus-oidc-<service> (keys client-id,
	// client-secret) that the provider creates in the workspace namespace.
	IdentityExternal IdentityMode = "External"
)

// IdentitySpec configures single sign-on.
// +kubebuilder:validation:XValidation:rule="self.mode != 'External' || has(self.issuerURL)",message="identity.issuerURL is required when identity.mode is External"
type IdentitySpec struct {
	// Mode is Provider (default) or External.
	// +kubebuilder:default=Provider
	// +optional
	Mode IdentityMode `json:"mode,omitempty"`

	// Host of the Keycloak the operator runs for the workspace when the platform names no
	// Keycloak; id.<domain> by default.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$')",message="identity.host must be a lower-case DNS name such as id.musterstadt.de"
	Host string `json:"host,omitempty"`

	// IssuerURL is the external issuer, e.g. https://login.musterstadt.de/realms/staff.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://')",message="identity.issuerURL must be an https:// URL"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^https://[^/?#]*@')",message="identity.issuerURL must not carry credentials"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^https://(localhost|[0-9.]+|\\\\[[^]]*\\\\])([:/?#]|$)')",message="identity.issuerURL must name its host by a DNS name, not an IP address or localhost (the services' egress is opened to it)"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^https://[^/?#:]*(\\\\.svc|\\\\.local|\\\\.internal)([:/?#]|$)') && !self.matches('^https://kubernetes([.:/?#]|$)')",message="identity.issuerURL must be a public issuer, not a cluster-internal name"
	IssuerURL string `json:"issuerURL,omitempty"`
}

// WorkspaceServices holds the switch and options of every service of the workplace.
type WorkspaceServices struct {
	// Mail is e-mail, calendars and contacts; its default host is mail.<domain>.
	// +optional
	Mail MailService `json:"mail,omitempty"`
	// Files is file sync and share (Nextcloud); its default host is files.<domain>.
	// +optional
	Files FilesService `json:"files,omitempty"`
	// Video is video conferencing (Jitsi Meet); its default host is meet.<domain>.
	// +optional
	Video VideoService `json:"video,omitempty"`
	// Media is media and council-TV recordings (Opencast); its default host is media.<domain>.
	// +optional
	Media MediaService `json:"media,omitempty"`
}

// ServiceSwitch is what every service has: an on/off switch and its host name.
type ServiceSwitch struct {
	// Enabled switches the service on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// Host overrides the service's default host name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$')",message="host must be a lower-case DNS name such as files.musterstadt.de"
	Host string `json:"host,omitempty"`
}

// MailService configures mail.
type MailService struct {
	ServiceSwitch `json:",inline"`
}

// FilesService configures files (Nextcloud).
type FilesService struct {
	ServiceSwitch `json:",inline"`
}

// VideoService configures video conferencing (Jitsi Meet).
type VideoService struct {
	ServiceSwitch `json:",inline"`

	// PublicRooms lets anyone with a room's link open and join rooms without an account, for
	// example for citizens' video consultation hours. Otherwise opening a room needs the
	// workspace's single sign-on, and guests may join rooms a signed-in user has opened.
	// +optional
	PublicRooms bool `json:"publicRooms,omitempty"`

	// MaxParticipants limits how many people may be in one room; 0 sets no limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MaxParticipants int32 `json:"maxParticipants,omitempty"`
}

// MediaService configures media (Opencast).
type MediaService struct {
	ServiceSwitch `json:",inline"`
}

// IdentityStatus tells the municipality's admins how they sign in the first time, without
// mail: each has a one-time password in a Secret their tenant role may read, and must choose
// a password of their own at the first login.
type IdentityStatus struct {
	// ConsoleURL is the realm's admin console.
	ConsoleURL string `json:"consoleURL"`
	// InitialPasswordsSecret is the Secret in the workspace's namespace with each admin's
	// one-time password, under a key derived from the admin's e-mail address.
	InitialPasswordsSecret string `json:"initialPasswordsSecret"`
}

// MunicipalityWorkspaceStatus is the observed state of a workspace.
type MunicipalityWorkspaceStatus struct {
	// ObservedGeneration is the generation the status was last computed for, after a successful
	// reconcile.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions follow kstatus: Ready, Reconciling and Stalled, plus one per service.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Release is the stack release the workspace runs.
	// +optional
	Release string `json:"release,omitempty"`

	// Upgrade is where the workspace stands in moving between releases.
	// +optional
	Upgrade *UpgradeStatus `json:"upgrade,omitempty"`

	// Hosts are the DNS names this workspace holds: its domain, its enabled services' hosts and
	// its bundled identity host, as of its last reconcile that passed the conflict check. No
	// other workspace may use them.
	// +optional
	// +listType=set
	Hosts []string `json:"hosts,omitempty"`

	// Services are the workspace's enabled services: where users reach them, the version they
	// run and whether they are available.
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceStatus `json:"services,omitempty"`

	// Identity is where the municipality's admins sign in to the workspace's realm, while the
	// operator runs it (Provider identity mode).
	// +optional
	Identity *IdentityStatus `json:"identity,omitempty"`

	// ProvisionedTime is when the workspace first became Ready. It is set once and never
	// changes, so the first Ready is told apart from a recovery (for the Provisioned Event and
	// the time-to-ready metric).
	// +optional
	ProvisionedTime *metav1.Time `json:"provisionedTime,omitempty"`

	// ObjectsFingerprint is a digest of the fingerprints of the workspace's objects as the
	// operator last applied or verified them. The operator's cache keeps only the parts of
	// its objects it reads; after a restart this digest tells it, from the cache alone, that
	// none of them changed meanwhile.
	// +optional
	ObjectsFingerprint string `json:"objectsFingerprint,omitempty"`

	// SettledDigest identifies what the stack was last rendered from when every object was
	// found as desired and nothing was written: the operator's build, the inputs (spec,
	// platform, release, Secrets, what the operator reads of its objects, this status) and the
	// desired objects. A restarted operator that reads the same resumes the workspace from its
	// cache without rendering it again; any difference renders as usual. Opaque.
	// +optional
	SettledDigest string `json:"settledDigest,omitempty"`

	// Credentials summarises the Gaia-X credentials published for the workspace; unset when
	// its platform publishes none.
	// +optional
	Credentials *CredentialsStatus `json:"credentials,omitempty"`

	// DNSRecords are the records the municipality must publish for what is enabled.
	// +optional
	// +listType=atomic
	DNSRecords []DNSRecord `json:"dnsRecords,omitempty"`
	// Backups are where each store's scheduled backups stand, while the platform has a backup
	// policy.
	// +optional
	// +listType=map
	// +listMapKey=store
	Backups []BackupStatus `json:"backups,omitempty"`

	// Restore is where the restore of spec.restore stands.
	// +optional
	Restore *RestoreStatus `json:"restore,omitempty"`
}

// ServiceStatus is the state of one user-facing service.
type ServiceStatus struct {
	// Name is the service's name: mail, files, video or media.
	Name string `json:"name"`
	// URL is where users reach the service.
	URL string `json:"url"`
	// Version is the upstream version the service was last seen Ready on; during an upgrade,
	// the version it is upgrading from.
	// +optional
	Version string `json:"version,omitempty"`
	// Ready is the status of the service's condition: True, False or Unknown.
	Ready metav1.ConditionStatus `json:"ready"`
}

// MunicipalityWorkspace is one municipality's digital workplace: mail, files, video
// conferencing and media with single sign-on, deployed into the workspace's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mws,categories=rathaus
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Size",type=string,JSONPath=`.spec.size`
// +kubebuilder:printcolumn:name="Release",type=string,JSONPath=`.status.release`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="a workspace's name must be at most 63 characters: it is a label value of everything the workspace owns"
type MunicipalityWorkspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   MunicipalityWorkspaceSpec   `json:"spec"`
	Status MunicipalityWorkspaceStatus `json:"status,omitempty"`
}

// MunicipalityWorkspaceList is a list of MunicipalityWorkspaces.
// +kubebuilder:object:root=true
type MunicipalityWorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MunicipalityWorkspace `json:"items"`
}

func init() {
	SchemeBuilder.Register(&MunicipalityWorkspace{}, &MunicipalityWorkspaceList{})
}
