package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultPlatformName is the WorkspacePlatform a workspace uses when it names none.
const DefaultPlatformName = "default"

// WorkspacePlatformSpec describes the provider's hosting environment that workspaces run on.
type WorkspacePlatformSpec struct {
	// Ingress is how web-facing services are exposed.
	// +optional
	Ingress IngressSettings `json:"ingress,omitempty"`

	// Storage names the storage classes workspaces use.
	// +optional
	Storage StorageSettings `json:"storage,omitempty"`

	// Database is where workspaces' PostgreSQL databases live.
	// +optional
	Database DatabaseSettings `json:"database,omitempty"`

	// ObjectStorage is S3-compatible storage that Nextcloud uses as primary storage, one
	// bucket per workspace. Without it, files live on the workspace's volume.
	// +optional
	ObjectStorage *ObjectStorage `json:"objectStorage,omitempty"`

	// Registry is the provider's image registry mirror.
	// +optional
	Registry RegistrySettings `json:"registry,omitempty"`

	// Artifacts is where the files a release pins that are not images come from (Nextcloud
	// apps, OpenSearch plugins).
	// +optional
	Artifacts ArtifactSettings `json:"artifacts,omitempty"`

	// SMTPRelay is the smart host outbound mail goes through.
	// +optional
	SMTPRelay *SMTPRelay `json:"smtpRelay,omitempty"`

	// Network tells the operator where cluster services live, for network policies.
	// +optional
	Network NetworkSettings `json:"network,omitempty"`

	// Identity is the provider's single sign-on.
	// +optional
	Identity PlatformIdentity `json:"identity,omitempty"`

	// Video is how the video bridges' media traffic reaches participants.
	// +optional
	Video VideoSettings `json:"video,omitempty"`

	// Mail is how workspaces' mail servers are reached.
	// +optional
	Mail MailSettings `json:"mail,omitempty"`

	// DNS describes the platform's public entry points for the records workspaces publish.
	// +optional
	DNS DNSSettings `json:"dns,omitempty"`

	// Sizes overrides the built-in figures of size tiers.
	// +optional
	// +listType=map
	// +listMapKey=size
	// +kubebuilder:validation:MaxItems=4
	Sizes []SizeOverride `json:"sizes,omitempty"`

	// DataResidency restricts where workloads and volumes may run.
	// +optional
	DataResidency DataResidency `json:"dataResidency,omitempty"`

	// Upgrades limits how many workspaces upgrade at once and how long canaries run a release
	// before the others follow.
	// +optional
	Upgrades PlatformUpgrades `json:"upgrades,omitempty"`
	// Backup is how every workspace's data leaves the cluster on a schedule (docs/backup.md);
	// unset, rathaus takes no backups beyond the snapshots before upgrade steps.
	// +optional
	Backup *BackupPolicy `json:"backup,omitempty"`

	// Provider is the legal identity of the hosting provider (used for Gaia-X credentials).
	// +optional
	Provider *ProviderIdentity `json:"provider,omitempty"`
}

// IngressSettings configures Ingress objects for web-facing services.
// +kubebuilder:validation:XValidation:rule="!(has(self.clusterIssuer) && has(self.wildcardCertificateSecret))",message="set at most one of ingress.clusterIssuer or ingress.wildcardCertificateSecret"
type IngressSettings struct {
	// ClassName is the IngressClass to use; empty means the cluster's default class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClassName string `json:"className,omitempty"`

	// ClusterIssuer is the cert-manager ClusterIssuer that issues each host's certificate.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClusterIssuer string `json:"clusterIssuer,omitempty"`

	// WildcardCertificateSecret is a Secret holding a wildcard certificate for every host.
	// +optional
	WildcardCertificateSecret *NamespacedName `json:"wildcardCertificateSecret,omitempty"`

	// Gateway, when set, exposes web-facing services with Gateway API HTTPRoutes attached to
	// this Gateway instead of Ingress objects; TLS is then the Gateway's listeners' business.
	// +optional
	Gateway *GatewayRef `json:"gateway,omitempty"`

	// ControllerNamespaceSelector selects the namespace(s) of the ingress controller; only they
	// may reach web-facing pods. Without it, no traffic from outside a workspace is admitted.
	// +optional
	// +kubebuilder:validation:XValidation:rule="(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)",message="ingress.controllerNamespaceSelector must select by labels: an empty selector matches every namespace and opens every web pod to all of them"
	ControllerNamespaceSelector *metav1.LabelSelector `json:"controllerNamespaceSelector,omitempty"`
}

// GatewayRef names a Gateway API Gateway and optionally one of its listeners.
type GatewayRef struct {
	// Namespace of the Gateway.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// Name of the Gateway.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// SectionName is the listener routes attach to; all listeners that allow them when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SectionName string `json:"sectionName,omitempty"`
}

// StorageSettings names storage classes.
type StorageSettings struct {
	// ReadWriteOnceClass is the storage class of single-node volumes; empty means the default.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ReadWriteOnceClass string `json:"readWriteOnceClass,omitempty"`
	// ReadWriteManyClass is the storage class of shared volumes, if the platform has one.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ReadWriteManyClass string `json:"readWriteManyClass,omitempty"`
	// VolumeSnapshotClass is used for pre-upgrade backups, if the platform has one.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	VolumeSnapshotClass string `json:"volumeSnapshotClass,omitempty"`
}

// DatabaseMode selects how workspaces get PostgreSQL.
// +kubebuilder:validation:Enum=Bundled;CloudNativePG;External
type DatabaseMode string

const (
	// DatabaseBundled runs one PostgreSQL StatefulSet from the official image per workspace.
	DatabaseBundled DatabaseMode = "Bundled"
	// DatabaseCloudNativePG creates a CloudNativePG Cluster per workspace; the
	// postgresql.cnpg.io CRDs must be installed.
	DatabaseCloudNativePG DatabaseMode = "CloudNativePG"
	// DatabaseExternal uses databases the provider runs elsewhere: each workspace namespace
	// holds a Secret rathaus-db-<database> with keys host, port, dbname, username, password.
	DatabaseExternal DatabaseMode = "External"
)

// DatabaseSettings configures PostgreSQL for workspaces.
type DatabaseSettings struct {
	// Mode is Bundled (default), CloudNativePG or External.
	// +kubebuilder:default=Bundled
	// +optional
	Mode DatabaseMode `json:"mode,omitempty"`
}

// ObjectStorage is an S3-compatible endpoint.
type ObjectStorage struct {
	// Endpoint is the S3 host name, e.g. s3.example.eu.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Endpoint string `json:"endpoint"`
	// Port of the endpoint; 443 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// Region of the buckets.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Region string `json:"region,omitempty"`
	// BucketPrefix is put before the workspace's namespace to form its bucket name.
	// +optional
	// +kubebuilder:validation:MaxLength=20
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9-]*$')",message="objectStorage.bucketPrefix must be lower-case letters, digits and dashes"
	BucketPrefix string `json:"bucketPrefix,omitempty"`
	// PathStyle addresses buckets as endpoint/bucket instead of bucket.endpoint (MinIO, Ceph).
	// +optional
	PathStyle bool `json:"pathStyle,omitempty"`
	// CredentialsSecret holds the keys access-key and secret-key; the operator copies it into
	// each workspace namespace that uses it.
	CredentialsSecret NamespacedName `json:"credentialsSecret"`
}

// RegistrySettings describes the provider's registry mirror.
type RegistrySettings struct {
	// Mirror is a registry host with an optional path prefix, e.g. registry.example.eu/mirror;
	// every image is pulled through it.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$')",message="registry.mirror must be a registry host with an optional path, e.g. registry.example.eu/mirror"
	Mirror string `json:"mirror,omitempty"`

	// PullSecret is a dockerconfigjson Secret copied into every workspace namespace.
	// +optional
	PullSecret *NamespacedName `json:"pullSecret,omitempty"`
}

// ArtifactSettings describes the provider's mirror of downloadable files.
type ArtifactSettings struct {
	// Mirror is the base URL of the provider's file mirror, e.g.
	// https://artifacts.example.eu/mirror. A file is fetched from the mirror with its upstream
	// host as the first path element below it (https://artifacts.example.eu/mirror/github.com/
	// nextcloud-releases/user_oidc/...), as images are through the registry mirror. Without
	// it, files come from their upstream hosts over HTTPS; an air-gapped platform sets it.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^https://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*$')",message="artifacts.mirror must be an https:// URL without query, e.g. https://artifacts.example.eu/mirror"
	Mirror string `json:"mirror,omitempty"`
}

// PlatformIdentity configures the provider's single sign-on.
type PlatformIdentity struct {
	// Keycloak, when set, is the provider's Keycloak: each workspace gets a realm in it.
	// Without it, the operator runs a Keycloak for each workspace that needs one.
	// +optional
	Keycloak *KeycloakRef `json:"keycloak,omitempty"`
}

// KeycloakRef is a Keycloak the provider runs.
type KeycloakRef struct {
	// URL is Keycloak's public base URL, e.g. https://login.example.eu; issuers are
	// <url>/realms/<realm>.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://')",message="identity.keycloak.url must be an https:// URL"
	URL string `json:"url"`
	// AdminCredentialsSecret holds username and password keys of an account that may create
	// and manage realms; the operator copies it into each workspace namespace, where a Job
	// applies the workspace's realm with it.
	AdminCredentialsSecret NamespacedName `json:"adminCredentialsSecret"`
}

// MediaExposure is how a workspace's video bridge receives media over UDP.
// +kubebuilder:validation:Enum=LoadBalancer;NodePort
type MediaExposure string

const (
	// MediaExposureLoadBalancer gives each workspace's bridge a UDP LoadBalancer Service; the
	// bridge advertises the load balancer's address.
	MediaExposureLoadBalancer MediaExposure = "LoadBalancer"
	// MediaExposureNodePort gives each workspace's bridge a UDP NodePort; the bridge listens on
	// the same port number and advertises the address of the node it runs on.
	MediaExposureNodePort MediaExposure = "NodePort"
)

// VideoSettings configures the exposure of video bridges.
type VideoSettings struct {
	// Exposure is LoadBalancer (default) or NodePort.
	// +kubebuilder:default=LoadBalancer
	// +optional
	Exposure MediaExposure `json:"exposure,omitempty"`

	// ServiceAnnotations are added to each bridge's media Service, e.g. for the cloud's load
	// balancer controller.
	// +optional
	ServiceAnnotations map[string]string `json:"serviceAnnotations,omitempty"`

	// AdvertisedAddresses, when set, are the public addresses every bridge advertises to
	// clients instead of the one found by the exposure, e.g. behind the provider's NAT.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=253
	AdvertisedAddresses []string `json:"advertisedAddresses,omitempty"`
}

// SMTPRelay is an outbound smart host.
type SMTPRelay struct {
	// Host is the relay's host name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`
	// Port is the relay's submission port.
	// +kubebuilder:default=587
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int32 `json:"port,omitempty"`
	// CredentialsSecret holds username and password keys, if the relay needs them.
	// +optional
	CredentialsSecret *NamespacedName `json:"credentialsSecret,omitempty"`
}

// NetworkSettings locates cluster services for network policies.
type NetworkSettings struct {
	// PoliciesEnforced declares that the cluster's network plugin enforces NetworkPolicies,
	// which no API shows; tenant isolation relies on it.
	// +optional
	PoliciesEnforced bool `json:"policiesEnforced,omitempty"`

	// DNSNamespaceSelector selects the namespace of the cluster DNS; by default kube-system.
	// +optional
	// +kubebuilder:validation:XValidation:rule="(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)",message="network.dnsNamespaceSelector must select by labels: an empty selector matches every namespace"
	DNSNamespaceSelector *metav1.LabelSelector `json:"dnsNamespaceSelector,omitempty"`

	// ClusterNetworks are the cluster's own address ranges (pods, Services, nodes), which the
	// workspaces' egress to the internet never reaches: other tenants' and system pods stay out
	// of reach by address. When unset, the private ranges (10.0.0.0/8, 172.16.0.0/12,
	// 192.168.0.0/16, 100.64.0.0/10) are excluded; a provider whose relay, object storage or
	// identity provider has a private address lists the cluster's ranges instead. Hosts behind
	// the platform's ingress controller stay reachable through it either way.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c) && cidr(c).ip().family() == 4)",message="network.clusterNetworks must be IPv4 CIDRs such as 10.244.0.0/16"
	ClusterNetworks []string `json:"clusterNetworks,omitempty"`

	// ClusterDomain is the cluster's DNS domain (the kubelet's clusterDomain), cluster.local
	// when unset. Programs that resolve Service names themselves, without the search domains
	// of /etc/resolv.conf (nginx in the video service's web image), need the full name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')",message="network.clusterDomain must be a lower-case DNS name such as cluster.local"
	ClusterDomain string `json:"clusterDomain,omitempty"`
}

// SizeOverride replaces the built-in figures of one size tier.
type SizeOverride struct {
	// Size is the tier this override applies to.
	Size SizeTier `json:"size"`
	// CPU is the total CPU the workspace may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="sizes[].cpu must be more than 0"
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// Memory is the total memory the workspace may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="sizes[].memory must be more than 0"
	Memory *resource.Quantity `json:"memory,omitempty"`
	// Storage is the total storage the workspace's volumes may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="sizes[].storage must be more than 0"
	Storage *resource.Quantity `json:"storage,omitempty"`
}

// DataResidency restricts where workloads may run.
type DataResidency struct {
	// AllowedRegions are the values of RegionLabel that workloads may run in.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=63
	AllowedRegions []string `json:"allowedRegions,omitempty"`
	// RegionLabel is the node label that holds a node's region.
	// +kubebuilder:default="topology.kubernetes.io/region"
	// +kubebuilder:validation:MaxLength=317
	// +optional
	RegionLabel string `json:"regionLabel,omitempty"`
}

// ProviderIdentity is the hosting provider's legal identity.
// +kubebuilder:validation:XValidation:rule="!has(self.gaiaX) || (has(self.registrationNumber) && has(self.headquarterAddress) && has(self.legalAddress) && has(self.termsAndConditionsURL) && has(self.termsAndConditionsHash))",message="provider.gaiaX needs registrationNumber, headquarterAddress, legalAddress, termsAndConditionsURL and termsAndConditionsHash"
type ProviderIdentity struct {
	// LegalName is the provider's registered name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	LegalName string `json:"legalName"`
	// RegistrationNumber is e.g. the VAT ID.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	RegistrationNumber string `json:"registrationNumber,omitempty"`
	// HeadquarterAddress is an ISO 3166-2 country subdivision code, e.g. DE-HH.
	// +optional
	// +kubebuilder:validation:MaxLength=6
	HeadquarterAddress string `json:"headquarterAddress,omitempty"`
	// LegalAddress is an ISO 3166-2 country subdivision code, e.g. DE-HH.
	// +optional
	// +kubebuilder:validation:MaxLength=6
	LegalAddress string `json:"legalAddress,omitempty"`
	// TermsAndConditionsURL is where the provider's terms are published.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	TermsAndConditionsURL string `json:"termsAndConditionsURL,omitempty"`
	// TermsAndConditionsHash is the SHA-256 of the published terms.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	TermsAndConditionsHash string `json:"termsAndConditionsHash,omitempty"`
	// GaiaX, when set, publishes Gaia-X credentials for the provider and every workspace.
	// +optional
	GaiaX *GaiaXCredentials `json:"gaiaX,omitempty"`
}

// NamespacedName references an object in a given namespace; only the platform, which the
// provider controls, may reference objects across namespaces.
type NamespacedName struct {
	// Namespace of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// Name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// WorkspacePlatformStatus is the observed state of a platform.
type WorkspacePlatformStatus struct {
	// ObservedGeneration is the generation the status was last computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Nodes counts the cluster's Ready nodes by where they are in terms of data residency.
	// +optional
	Nodes *NodePlacement `json:"nodes,omitempty"`
	// Conditions follow kstatus.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// NodePlacement counts Ready nodes against the platform's allowed regions.
type NodePlacement struct {
	// InAllowedRegions are Ready nodes whose region is allowed (all Ready nodes with a region
	// label when the platform allows every region).
	InAllowedRegions int32 `json:"inAllowedRegions"`
	// OutsideAllowedRegions are Ready nodes in other regions; workspaces never run there.
	OutsideAllowedRegions int32 `json:"outsideAllowedRegions"`
	// WithoutRegion are Ready nodes without the region label; with allowed regions set,
	// workspaces never run there either.
	WithoutRegion int32 `json:"withoutRegion"`
	// UnlabelledNodes names up to ten Ready nodes without the region label, sorted.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	UnlabelledNodes []string `json:"unlabelledNodes,omitempty"`
}

// WorkspacePlatform is the provider's hosting environment: ingress, storage, registry mirror,
// mail relay, sizes, data residency and legal identity. Workspaces use the one named "default"
// unless they name another.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsp,categories=rathaus
// +kubebuilder:printcolumn:name="Ingress",type=string,JSONPath=`.spec.ingress.className`
// +kubebuilder:printcolumn:name="Mirror",type=string,JSONPath=`.spec.registry.mirror`
// +kubebuilder:printcolumn:name="Allowed nodes",type=integer,JSONPath=`.status.nodes.inAllowedRegions`
// +kubebuilder:printcolumn:name="Residency",type=string,JSONPath=`.status.conditions[?(@.type=="DataResidency")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspacePlatform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   WorkspacePlatformSpec   `json:"spec,omitempty"`
	Status WorkspacePlatformStatus `json:"status,omitempty"`
}

// WorkspacePlatformList is a list of WorkspacePlatforms.
// +kubebuilder:object:root=true
type WorkspacePlatformList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspacePlatform `json:"items"`
}

func init() {
	SchemeBuilder.Register(&WorkspacePlatform{}, &WorkspacePlatformList{})
}
