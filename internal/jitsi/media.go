package jitsi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// defaultMediaPort is the bridge's UDP port unless a node port replaces it (jvb.conf
// ice.udp.port, JVB_PORT). The bridge has no TCP media since 2022 and no colibri WebSocket
// since stable-11146, so this one port is all the media there is.
const defaultMediaPort = 10000

// mediaPlan is how participants' media reaches the bridge, as far as the cluster has decided.
type mediaPlan struct {
	exposure rathausv1alpha1.MediaExposure
	// port is where the bridge listens and what it tells clients.
	port int32
	// nodePort is the allocated node port (NodePort only); 0 until allocated.
	nodePort int32
	// addresses the bridge advertises; empty when it advertises its node's (nodeAddress).
	addresses   []string
	nodeAddress bool
	// waitingFor says what is not known yet, "" when the bridge can run.
	waitingFor string
}

// plan reads what the cluster decided for the media Service from the observed objects. The
// platform's advertised addresses, when set, always win over what the exposure finds.
func plan(in stack.Inputs) mediaPlan {
	v := in.Platform.Spec.Video
	m := mediaPlan{exposure: rathausv1alpha1.MediaExposureLoadBalancer, port: defaultMediaPort, addresses: slices.Clone(v.AdvertisedAddresses)}
	svc, _ := in.Observed[stack.Key("Service", in.Workspace.Namespace, MediaService)].(*corev1.Service)
	if v.Exposure == rathausv1alpha1.MediaExposureNodePort {
		m.exposure = rathausv1alpha1.MediaExposureNodePort
		// The node port becomes the bridge's own port: it listens on the number it tells
		// clients, as jitsi-helm's exposing guide asks (nodePort == UDPPort).
		if np := observedNodePort(svc); np != 0 {
			m.port, m.nodePort = np, np
		} else {
			m.waitingFor = "a node port for Service " + MediaService
		}
		m.nodeAddress = len(m.addresses) == 0
		return m
	}
	if len(m.addresses) == 0 {
		// Without it the bridge would advertise what STUN finds, the nodes' egress address:
		// "signalling succeeds and media fails" (jitsi-helm docs/guides/exposing.md).
		if a := loadBalancerAddress(svc); a != "" {
			m.addresses = []string{a}
		} else {
			m.waitingFor = "the load balancer address of Service " + MediaService
		}
	}
	return m
}

func observedNodePort(svc *corev1.Service) int32 {
	if svc == nil || len(svc.Spec.Ports) == 0 {
		return 0
	}
	if np := svc.Spec.Ports[0].NodePort; np > 0 && np <= 65535 {
		return np
	}
	return 0
}

func loadBalancerAddress(svc *corev1.Service) string {
	if svc == nil || len(svc.Status.LoadBalancer.Ingress) == 0 {
		return ""
	}
	ing := svc.Status.LoadBalancer.Ingress[0]
	if ing.IP != "" {
		return ing.IP
	}
	// A host name (some clouds' load balancers have no fixed address) is passed on as is;
	// ice4j resolves it when the bridge starts (inference from jvb.conf static-mappings).
	return ing.Hostname
}

// mediaService exposes the bridge's UDP port. Never more than one bridge behind it: every pod
// behind one Service port would receive the others' media, so jitsi-helm refuses replicas > 1
// on a Service (templates/jvb/deployment.yaml) and the bridge runs at exactly one replica.
func mediaService(in stack.Inputs, m mediaPlan) *corev1.Service {
	meta := kit.Meta(in, ComponentName, MediaService)
	if a := in.Platform.Spec.Video.ServiceAnnotations; len(a) > 0 {
		meta.Annotations = maps.Clone(a)
	}
	port := corev1.ServicePort{Name: "media", Protocol: corev1.ProtocolUDP, Port: defaultMediaPort, TargetPort: intstr.FromInt32(m.port)}
	spec := corev1.ServiceSpec{
		Type:     corev1.ServiceTypeLoadBalancer,
		Selector: kit.PodLabels(in, JVBImage),
		// Local keeps the participants' addresses (no SNAT to a node) and sends media only to
		// the node the bridge runs on.
		ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
	}
	if m.exposure == rathausv1alpha1.MediaExposureNodePort {
		spec.Type = corev1.ServiceTypeNodePort
		port.NodePort = m.nodePort // left to the cluster until it has allocated one
		if !m.nodeAddress {
			// The platform's addresses may forward to any node, which must pass media on.
			spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
		}
	}
	spec.Ports = []corev1.ServicePort{port}
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: meta, Spec: spec}
}

// mediaPolicy admits participants' media from anywhere, on the bridge's UDP port only.
func mediaPolicy(in stack.Inputs, m mediaPlan) *networkingv1.NetworkPolicy {
	udp, port := corev1.ProtocolUDP, intstr.FromInt32(m.port)
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, jvbName+"-media"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: kit.PodLabels(in, JVBImage)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}},
					{IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}},
				},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}},
			}},
		},
	}
}

// jvbDeployment is the video bridge.
//
// Until the address (LoadBalancer) or the port (NodePort) is known it has no replicas: the
// bridge reads JVB_PORT and JVB_ADVERTISE_IPS once at start, and a bridge started without
// them would register with jicofo and get conferences whose media never arrives. The
// Deployment still exists at zero, so the next reconcile after the cluster has decided only
// changes its template and scales it to one.
func jvbDeployment(in stack.Inputs, image string, f tierFigures, m mediaPlan) *appsv1.Deployment {
	volumes, mounts := runAndTmp()
	env := append(xmppEnv(),
		kit.SecretEnv("JVB_AUTH_PASSWORD", jvbSecret, "password"),
		corev1.EnvVar{Name: "JVB_PORT", Value: fmt.Sprint(m.port)},
		// The public address is known; STUN (by default 8x8's meet-jit-si-turnrelay.jitsi.net,
		// jvb.conf) would only add the nodes' egress address, and egress is denied anyway.
		boolEnv("JVB_DISABLE_STUN", true),
		corev1.EnvVar{Name: "VIDEOBRIDGE_MAX_MEMORY", Value: f.jvbHeap},
		s6Env,
	)
	switch {
	case m.nodeAddress:
		// status.hostIP is the node's InternalIP; platforms whose nodes are reached at
		// another address set advertisedAddresses (jitsi-helm values.yaml jvb.useNodeIP).
		env = append(env, corev1.EnvVar{Name: "JVB_ADVERTISE_IPS", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.hostIP"},
		}})
	case len(m.addresses) > 0:
		env = append(env, corev1.EnvVar{Name: "JVB_ADVERTISE_IPS", Value: strings.Join(m.addresses, ",")})
	}
	health := httpGet("/about/health", "http")
	spec := podSpec([]corev1.Container{{
		Name:  "jvb",
		Image: image,
		Env:   env,
		Ports: []corev1.ContainerPort{
			{Name: "media", ContainerPort: m.port, Protocol: corev1.ProtocolUDP},
			{Name: "http", ContainerPort: jvbHTTPPort, Protocol: corev1.ProtocolTCP},
		},
		Resources:       f.jvb.Requirements(),
		SecurityContext: kit.ContainerSecurity(true),
		StartupProbe:    probe(health, 5, 24),
		ReadinessProbe:  probe(health, 10, 3),
		LivenessProbe:   probe(health, 10, 6),
		VolumeMounts:    mounts,
	}}, volumes)
	replicas := int32(1)
	if m.waitingFor != "" {
		replicas = 0
	}
	// Recreate: old and new bridge must never share the Service's port, not even briefly.
	return deployment(in, jvbName, JVBImage, replicas, appsv1.RecreateDeploymentStrategyType, kit.PodLabels(in, JVBImage), nil, spec)
}
