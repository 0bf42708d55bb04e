package mail

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// CertificateKind is cert-manager's Certificate; the reconciler checks that its CRD is
// installed before a workspace with mail uses a platform with a ClusterIssuer.
var CertificateKind = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// webPort is the port of WebService; it targets the engine's container port by name.
const webPort = 80

// AutoconfigHost and MTASTSHost are the well-known hosts of the mail domain that mail clients
// (Thunderbird autoconfig) and sending servers (MTA-STS, RFC 8461 section 3.2) look up; both
// are served by the mail server's web port.
func AutoconfigHost(domain string) string { return "autoconfig." + domain }
func MTASTSHost(domain string) string     { return "mta-sts." + domain }

// exposure renders how the internet reaches the mail server: the public Service for the mail
// ports, the web routes, the certificate of the mail host and the network policies.
func exposure(in stack.Inputs, p Plan) []client.Object {
	objs := []client.Object{
		publicService(in, p),
		web.Service(in, ComponentName, WebService, p.PodLabels, webPort),
		web.Route(in, ComponentName, "rathaus-mail-autoconfig", AutoconfigHost(p.Domain), WebService, webPort),
		web.Route(in, ComponentName, "rathaus-mail-mta-sts", MTASTSHost(p.Domain), WebService, webPort),
		publicPolicy(in, p),
	}
	if issuer := in.Platform.Spec.Ingress.ClusterIssuer; issuer != "" {
		objs = append(objs, certificate(in, p, issuer))
	}
	outbound := []int32{in.Identity.Port()} // the identity provider's discovery and keys, by its public URL
	if p.Relay != nil {
		outbound = append(outbound, p.Relay.Port)
	} else {
		outbound = append(outbound, 25) // direct delivery to other domains' MX hosts
		// Another municipality's MX on the same cluster: the cluster may route its public
		// address straight to its pod, which internet egress does not reach.
		objs = append(objs, mailPeers(in, p))
	}
	return append(objs, netpol.ToInternet(in, ComponentName, "rathaus-mail-internet", p.PodLabels, outbound...))
}

// mailServers selects every workspace's mail server, in any namespace.
var mailServers = map[string]string{kit.AppLabel: "mail", ownership.PartOfLabel: "rathaus"}

// mailPeers lets mail servers deliver to each other over SMTP (port 25) on the same cluster,
// and nothing else: egress to other workspaces' mail servers on 25, ingress from them on 25.
func mailPeers(in stack.Inputs, p Plan) *networkingv1.NetworkPolicy {
	peer := []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{MatchLabels: mailServers}}}
	tcp := corev1.ProtocolTCP
	smtp := intstr.FromInt32(25)
	ports := []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &smtp}}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, "rathaus-mail-peers"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: p.PodLabels},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: peer, Ports: ports}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: peer, Ports: ports}},
		},
	}
}

// publicService exposes the mail ports the way the platform chose. externalTrafficPolicy
// Local keeps the clients' addresses, which SPF checks, rate limits and spam filters need.
func publicService(in stack.Inputs, p Plan) *corev1.Service {
	settings := in.Platform.Spec.Mail
	meta := kit.Meta(in, ComponentName, PublicService)
	if len(settings.ServiceAnnotations) > 0 {
		meta.Annotations = maps.Clone(settings.ServiceAnnotations)
	}
	typ := corev1.ServiceTypeLoadBalancer
	if settings.Exposure == rathausv1alpha1.MailExposureNodePort {
		typ = corev1.ServiceTypeNodePort
	}
	ports := make([]corev1.ServicePort, 0, len(Ports))
	for _, port := range Ports {
		ports = append(ports, corev1.ServicePort{Name: port.Name, Protocol: corev1.ProtocolTCP, Port: port.Number, TargetPort: intstr.FromString(port.Name)})
	}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:                  typ,
			Selector:              p.PodLabels,
			Ports:                 ports,
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
		},
	}
}

// publicPolicy admits mail clients and other mail servers from anywhere, on the mail ports
// only.
func publicPolicy(in stack.Inputs, p Plan) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	ports := make([]networkingv1.NetworkPolicyPort, 0, len(Ports))
	for _, port := range Ports {
		n := intstr.FromInt32(port.Number)
		ports = append(ports, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &n})
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, PublicService),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: p.PodLabels},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}},
					{IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}},
				},
				Ports: ports,
			}},
		},
	}
}

// certificate asks cert-manager for the mail host's certificate. The web routes get their
// own through the ingress; SMTP and IMAP need one in the workspace namespace for the server
// itself (cert-manager docs, "Certificate resources").
func certificate(in stack.Inputs, p Plan, issuer string) *unstructured.Unstructured {
	return kit.Foreign(in, ComponentName, TLSSecret, CertificateKind, map[string]any{
		"spec": map[string]any{
			"secretName": TLSSecret,
			"dnsNames":   []any{p.Host},
			"issuerRef":  map[string]any{"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer},
			// Mail clients and MTAs everywhere accept RSA; a new key on every renewal.
			"privateKey": map[string]any{"algorithm": "RSA", "size": int64(2048), "rotationPolicy": "Always"},
		},
	})
}

// PublicAddresses are where the internet reaches the mail server: the platform's addresses
// when it names them, otherwise what the cluster gave the public Service's load balancer (IP
// addresses, or one host name on clouds whose load balancers have no fixed address); nil
// while unknown.
func PublicAddresses(in stack.Inputs) []string {
	if a := in.Platform.Spec.Mail.PublicAddresses; len(a) > 0 {
		return a
	}
	if in.Platform.Spec.Mail.Exposure == rathausv1alpha1.MailExposureNodePort {
		return nil // node ports are not reachable on the standard ports without the provider's forwarding
	}
	svc, _ := in.Observed[stack.Key("Service", in.Workspace.Namespace, PublicService)].(*corev1.Service)
	if svc == nil {
		return nil
	}
	var out []string
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		switch {
		case ing.IP != "":
			out = append(out, ing.IP)
		case ing.Hostname != "" && len(out) == 0:
			return []string{ing.Hostname}
		}
	}
	return out
}
