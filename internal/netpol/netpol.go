// Package netpol renders the NetworkPolicies that open one path between a workspace's
// components on top of the tenant baseline's default deny. A path needs two policies: egress
// from the clients and ingress to the servers, because the baseline denies both. ShareEgress
// then moves the clients' halves of all paths into one policy of the workspace, and Combine
// folds a component's policies for the same pods into one.
package netpol

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// Port is a protocol and port number.
type Port struct {
	Protocol corev1.Protocol
	Number   int32
}

// TCP is a TCP port.
func TCP(n int32) Port { return Port{Protocol: corev1.ProtocolTCP, Number: n} }

// UDP is a UDP port.
func UDP(n int32) Port { return Port{Protocol: corev1.ProtocolUDP, Number: n} }

// Path lets pods matching clients reach pods matching servers, in the same namespace, on the
// given ports only. The policies are named <name>-egress and <name>-ingress.
func Path(in stack.Inputs, component, name string, clients, servers map[string]string, ports ...Port) []client.Object {
	npPorts := policyPorts(ports)
	return []client.Object{
		&networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: kit.Meta(in, component, name+"-egress"),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: clients},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: servers}}},
					Ports: npPorts,
				}},
			},
		},
		&networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: kit.Meta(in, component, name+"-ingress"),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: servers},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: clients}}},
					Ports: npPorts,
				}},
			},
		},
	}
}

// FromNamespace admits pods of another namespace (by name) to the servers on the given ports.
func FromNamespace(in stack.Inputs, component, name, namespace string, servers map[string]string, ports ...Port) client.Object {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, component, name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: servers},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: namespace}}}},
				Ports: policyPorts(ports),
			}},
		},
	}
}

func policyPorts(ports []Port) []networkingv1.NetworkPolicyPort {
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ports))
	for _, p := range ports {
		protocol := p.Protocol
		number := intstr.FromInt32(p.Number)
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: &protocol, Port: &number})
	}
	return out
}

// PrivateNetworks are excluded from internet egress when the platform names no cluster
// networks: RFC 1918 and the shared address space that CNIs use for pods and Services.
var PrivateNetworks = []string{"10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16"}

// linkLocal holds cloud metadata endpoints, never reachable.
const linkLocal = "169.254.0.0/16"

// Excluded are the ranges internet egress never reaches: the platform's cluster networks (or
// the private ranges) and the link-local range, sorted.
func Excluded(p *rathausv1alpha1.WorkspacePlatform) []string {
	nets := p.Spec.Network.ClusterNetworks
	if len(nets) == 0 {
		nets = PrivateNetworks
	}
	out := append(slices.Clone(nets), linkLocal)
	slices.Sort(out)
	return slices.Compact(out)
}

// ToInternet lets the selected pods open connections on the given TCP ports to the internet:
// an identity provider, the provider's mail relay, object storage, a file mirror. Not to the
// cluster's own addresses (Excluded), so that neither other workspaces' pods nor system pods
// can be reached by address, whatever their own policies; hosts the platform publishes behind
// its ingress controller (a workspace's own identity provider, say) resolve to addresses the
// cluster may route to the controller's pods, so the controller's namespace is a peer too.
func ToInternet(in stack.Inputs, component, name string, selector map[string]string, tcpPorts ...int32) *networkingv1.NetworkPolicy {
	// Callers list what each peer needs; a port two of them share is opened once.
	tcpPorts = slices.Clone(tcpPorts)
	slices.Sort(tcpPorts)
	tcpPorts = slices.Compact(tcpPorts)
	ports := make([]Port, 0, len(tcpPorts))
	for _, p := range tcpPorts {
		ports = append(ports, TCP(p))
	}
	peers := []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: Excluded(in.Platform)}}}
	if sel := in.Platform.Spec.Ingress.ControllerNamespaceSelector; sel != nil {
		peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: sel.DeepCopy()})
	}
	return egress(in, component, name, selector, peers, ports)
}

// ToKubeAPI lets the selected pods reach the Kubernetes API server on 443 and 6443. Its
// address is the cluster's own (a Service IP translated to the control plane's), so unlike
// ToInternet it excludes only the link-local range. Only CloudNativePG's instance managers,
// which talk to the API server, get it.
func ToKubeAPI(in stack.Inputs, component, name string, selector map[string]string) *networkingv1.NetworkPolicy {
	all := []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{linkLocal}}}}
	return egress(in, component, name, selector, all, []Port{TCP(443), TCP(6443)})
}

// egress is an egress-only policy of the selected pods to peers on ports.
func egress(in stack.Inputs, component, name string, selector map[string]string, peers []networkingv1.NetworkPolicyPeer, ports []Port) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, component, name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: peers, Ports: policyPorts(ports)}},
		},
	}
}
