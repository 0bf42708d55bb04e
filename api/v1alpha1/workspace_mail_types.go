package v1alpha1

// MailExposure is how a workspace's mail server receives SMTP, submission, IMAP and
// ManageSieve connections: these protocols cannot pass an HTTP ingress.
// +kubebuilder:validation:Enum=LoadBalancer;NodePort
type MailExposure string

const (
	// MailExposureLoadBalancer gives each workspace's mail server a TCP LoadBalancer Service.
	MailExposureLoadBalancer MailExposure = "LoadBalancer"
	// MailExposureNodePort gives each workspace's mail server TCP NodePorts; the provider's own
	// load balancer forwards the standard ports to them.
	MailExposureNodePort MailExposure = "NodePort"
)

// MailSettings configures how workspaces' mail servers are reached.
type MailSettings struct {
	// Exposure is LoadBalancer (default) or NodePort.
	// +kubebuilder:default=LoadBalancer
	// +optional
	Exposure MailExposure `json:"exposure,omitempty"`

	// ServiceAnnotations are added to each mail server's public Service, e.g. for the cloud's
	// load balancer controller.
	// +optional
	ServiceAnnotations map[string]string `json:"serviceAnnotations,omitempty"`

	// PublicAddresses, when set, are the IP addresses every workspace's mail server is
	// reached at from the internet (the provider's load balancer or NAT), used in the DNS
	// records instead of the address the exposure finds. Needed with NodePort.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=45
	// +kubebuilder:validation:XValidation:rule="self.all(a, isIP(a))",message="mail.publicAddresses must be IP addresses"
	PublicAddresses []string `json:"publicAddresses,omitempty"`
}

// DNSSettings tells the operator where the platform's public entry points are, so that each
// workspace's status can list the exact DNS records its municipality must publish.
// +kubebuilder:validation:XValidation:rule="!has(self.ingressTargets) || self.ingressTargets.all(t, isIP(t)) || size(self.ingressTargets) == 1",message="dns.ingressTargets is either one host name or IP addresses"
type DNSSettings struct {
	// IngressTargets is where web hosts must point: one host name (published as CNAME) or
	// the ingress load balancer's IP addresses (published as A and AAAA records).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	IngressTargets []string `json:"ingressTargets,omitempty"`

	// TTL of the published records in seconds; 3600 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=86400
	TTL int32 `json:"ttl,omitempty"`
}
