// Package netpol renders the NetworkPolicies that open one path between a workspace's
// components on top of the tenant baseline's default deny. A path needs two policies: egress
// from the clients and ingress to the servers, because the baseline denies both.
package netpol

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
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
			ObjectMeta: stack.Meta(in, component, name+"-egress"),
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
			ObjectMeta: stack.Meta(in, component, name+"-ingress"),
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
		ObjectMeta: stack.Meta(in, component, name),
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

// ToInternet lets the selected pods open connections on the given TCP ports to any address
// but the link-local range (cloud metadata endpoints): an app store, an identity provider,
// the provider's mail relay (often at a private address). Other workspaces stay out of reach
// because each of them denies ingress from everywhere but its ingress controller.
func ToInternet(in stack.Inputs, component, name string, selector map[string]string, tcpPorts ...int32) *networkingv1.NetworkPolicy {
	ports := make([]Port, 0, len(tcpPorts))
	for _, p := range tcpPorts {
		ports = append(ports, TCP(p))
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: stack.Meta(in, component, name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.0.0/16"}}}},
				Ports: policyPorts(ports),
			}},
		},
	}
}
