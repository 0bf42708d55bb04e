package desired

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// An evaluator of NetworkPolicy semantics written for this test alone, from the Kubernetes
// API reference ("NetworkPolicy", "Network Policies" concepts page), not from the code that
// renders the policies: a pod selected by no policy of a direction is open in it; otherwise a
// connection needs a matching rule in both the source's egress and the destination's ingress.
// ipBlock peers are taken to match pod addresses too, as Calico does: the strictest reading
// for isolation.

type fleetPod struct {
	name, namespace string
	labels          map[string]string
	ip              netip.Addr
	ports           []corev1.ContainerPort
	workspace       string // "" for pods of the platform
}

type fleet struct {
	pods       []fleetPod
	namespaces map[string]map[string]string
	policies   []networkingv1.NetworkPolicy
}

func (f *fleet) selects(np networkingv1.NetworkPolicy, p fleetPod, typ networkingv1.PolicyType) bool {
	if np.Namespace != p.namespace || !slices.Contains(policyTypes(np), typ) {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	return err == nil && sel.Matches(labels.Set(p.labels))
}

// policyTypes are the policy's types as the API server defaults them.
func policyTypes(np networkingv1.NetworkPolicy) []networkingv1.PolicyType {
	if len(np.Spec.PolicyTypes) > 0 {
		return np.Spec.PolicyTypes
	}
	out := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if len(np.Spec.Egress) > 0 {
		out = append(out, networkingv1.PolicyTypeEgress)
	}
	return out
}

func (f *fleet) peerMatches(peer networkingv1.NetworkPolicyPeer, policyNamespace string, other fleetPod) bool {
	if peer.IPBlock != nil {
		cidr, err := netip.ParsePrefix(peer.IPBlock.CIDR)
		if err != nil || !cidr.Contains(other.ip) {
			return false
		}
		for _, e := range peer.IPBlock.Except {
			if ex, err := netip.ParsePrefix(e); err == nil && ex.Contains(other.ip) {
				return false
			}
		}
		return true
	}
	if peer.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil || !sel.Matches(labels.Set(f.namespaces[other.namespace])) {
			return false
		}
	} else if other.namespace != policyNamespace {
		return false
	}
	if peer.PodSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		return err == nil && sel.Matches(labels.Set(other.labels))
	}
	return true
}

func portMatches(ports []networkingv1.NetworkPolicyPort, dst fleetPod, port corev1.ContainerPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if proto != port.Protocol {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.String() == port.Name && port.Name != "":
			return true
		case p.Port.IntValue() == int(port.ContainerPort):
			return true
		}
	}
	return false
}

// allowed reports whether src may open a connection to dst's port.
func (f *fleet) allowed(src, dst fleetPod, port corev1.ContainerPort) bool {
	egressPolicies, egressOK := 0, false
	ingressPolicies, ingressOK := 0, false
	for _, np := range f.policies {
		if f.selects(np, src, networkingv1.PolicyTypeEgress) {
			egressPolicies++
			for _, r := range np.Spec.Egress {
				if portMatches(r.Ports, dst, port) && (len(r.To) == 0 || slices.ContainsFunc(r.To, func(p networkingv1.NetworkPolicyPeer) bool { return f.peerMatches(p, np.Namespace, dst) })) {
					egressOK = true
				}
			}
		}
		if f.selects(np, dst, networkingv1.PolicyTypeIngress) {
			ingressPolicies++
			for _, r := range np.Spec.Ingress {
				if portMatches(r.Ports, dst, port) && (len(r.From) == 0 || slices.ContainsFunc(r.From, func(p networkingv1.NetworkPolicyPeer) bool { return f.peerMatches(p, np.Namespace, src) })) {
					ingressOK = true
				}
			}
		}
	}
	return (egressPolicies == 0 || egressOK) && (ingressPolicies == 0 || ingressOK)
}

// renderFleet renders the workspaces and places their pods, and the platform's own pods, at
// addresses of a pod network inside the private ranges.
func renderFleet(t *testing.T, workspaces ...stack.Inputs) *fleet {
	t.Helper()
	f := &fleet{namespaces: map[string]map[string]string{}}
	next := netip.MustParseAddr("10.244.0.10")
	place := func(p fleetPod) {
		p.ip = next
		next = next.Next()
		f.pods = append(f.pods, p)
	}
	for _, ns := range []string{"kube-system", "ingress-nginx", "rathaus-system"} {
		f.namespaces[ns] = map[string]string{"kubernetes.io/metadata.name": ns}
	}
	place(fleetPod{name: "coredns", namespace: "kube-system", labels: map[string]string{"k8s-app": "kube-dns"},
		ports: []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP}, {Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP}}})
	place(fleetPod{name: "metrics-server", namespace: "kube-system", labels: map[string]string{"k8s-app": "metrics-server"},
		ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 443, Protocol: corev1.ProtocolTCP}}})
	place(fleetPod{name: "controller", namespace: "ingress-nginx", labels: map[string]string{"app": "ingress-nginx"},
		ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 443, Protocol: corev1.ProtocolTCP}}})
	place(fleetPod{name: "manager", namespace: "rathaus-system", labels: map[string]string{"app.kubernetes.io/name": "rathaus"},
		ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {Name: "probes", ContainerPort: 8081, Protocol: corev1.ProtocolTCP}}})

	for _, in := range workspaces {
		ns := in.Workspace.Namespace
		f.namespaces[ns] = map[string]string{"kubernetes.io/metadata.name": ns}
		for _, u := range state(t, in) {
			if u.GetKind() == "NetworkPolicy" {
				var np networkingv1.NetworkPolicy
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &np); err != nil {
					t.Fatal(err)
				}
				f.policies = append(f.policies, np)
			}
			tmpl := podTemplate(t, u)
			if tmpl == nil {
				continue
			}
			var ports []corev1.ContainerPort
			for _, c := range tmpl.Spec.Containers {
				for _, p := range c.Ports {
					if p.Protocol == "" {
						p.Protocol = corev1.ProtocolTCP
					}
					ports = append(ports, p)
				}
			}
			place(fleetPod{name: u.GetKind() + "/" + u.GetName(), namespace: ns, labels: tmpl.Labels, ports: ports, workspace: in.Workspace.Name})
		}
	}
	return f
}

// podTemplate is the pod template of a rendered workload, nil for other kinds.
func podTemplate(t *testing.T, u *unstructured.Unstructured) *corev1.PodTemplateSpec {
	t.Helper()
	var obj any
	var get func() *corev1.PodTemplateSpec
	switch u.GetKind() {
	case "Deployment":
		d := &appsv1.Deployment{}
		obj, get = d, func() *corev1.PodTemplateSpec { return &d.Spec.Template }
	case "StatefulSet":
		s := &appsv1.StatefulSet{}
		obj, get = s, func() *corev1.PodTemplateSpec { return &s.Spec.Template }
	case "Job":
		j := &batchv1.Job{}
		obj, get = j, func() *corev1.PodTemplateSpec { return &j.Spec.Template }
	case "CronJob":
		j := &batchv1.CronJob{}
		obj, get = j, func() *corev1.PodTemplateSpec { return &j.Spec.JobTemplate.Spec.Template }
	default:
		return nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		t.Fatal(err)
	}
	return get()
}

// fleetInputs is a workspace with every service on, in a namespace of its own name.
func fleetInputs(name string, mutate ...func(*stack.Inputs)) stack.Inputs {
	return inputs(append([]func(*stack.Inputs){func(in *stack.Inputs) {
		in.Workspace.Name, in.Workspace.Namespace = name, name
		in.Workspace.UID = types.UID("5f0c6a5e-0000-4000-8000-0000000000" + fmt.Sprint(len(name)%90+10))
		in.Workspace.Spec.Domain = name + ".de"
		in.Workspace.Spec.Size = rathausv1alpha1.SizeS
		in.Workspace.Spec.Admins = []string{"it@" + name + ".de"}
		s := &in.Workspace.Spec.Services
		s.Files.Enabled, s.Video.Enabled, s.Mail.Enabled, s.Media.Enabled = true, true, true, true
		in.Platform.Spec.Ingress.ControllerNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}
		in.Platform.Spec.Network.DNSNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}}
	}}, mutate...)...)
}

// TestNoPathBetweenTenants evaluates every pod pair of a fleet of two municipalities with
// every service, next to the platform's own pods: no pod of one workspace reaches any port of
// the other's pods or of the platform's, but for the paths the platform exists for (DNS, the
// ingress controller, one mail server delivering to another over SMTP).
func TestNoPathBetweenTenants(t *testing.T) {
	for _, extras := range []bool{false, true} {
		mutate := func(in *stack.Inputs) {
			if extras {
				in.Platform.Spec.Network.ClusterNetworks = []string{"10.244.0.0/16", "10.96.0.0/12"}
				in.Platform.Spec.Identity.Keycloak = nil
				in.Workspace.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://login." + in.Workspace.Name + ".de:8080/realms/x"}
			}
		}
		f := renderFleet(t, fleetInputs("kiel", mutate), fleetInputs("luebeck", mutate))
		designed := func(src, dst fleetPod, port corev1.ContainerPort) bool {
			switch {
			case dst.name == "coredns" && port.ContainerPort == 53:
				return true
			case dst.namespace == "ingress-nginx":
				return true // the public path: the controller routes by host, to web ports only
			case src.labels[kit.AppLabel] == "mail" && dst.labels[kit.AppLabel] == "mail" && port.ContainerPort == 25:
				return true
			}
			return false
		}
		paths, checked := 0, 0
		for _, src := range f.pods {
			if src.workspace == "" {
				continue
			}
			for _, dst := range f.pods {
				if dst.workspace == src.workspace {
					continue
				}
				for _, port := range dst.ports {
					checked++
					if f.allowed(src, dst, port) && !designed(src, dst, port) {
						paths++
						if paths <= 20 {
							t.Errorf("extras=%v: %s/%s reaches %s/%s on %s %d", extras, src.namespace, src.name, dst.namespace, dst.name, port.Protocol, port.ContainerPort)
						}
					}
				}
			}
		}
		if paths > 20 {
			t.Errorf("extras=%v: %d cross-tenant paths in all", extras, paths)
		}
		if checked < 500 {
			t.Errorf("extras=%v: only %d pod-port pairs checked", extras, checked)
		}
		t.Logf("extras=%v: %d pods, %d policies, %d pod-port pairs across tenants and to the platform checked", extras, len(f.pods), len(f.policies), checked)

		// The controller reaches web pods on their routed port only; the mail ports and the
		// bridge's media port are open to everyone by design (public Services).
		var controller fleetPod
		for _, p := range f.pods {
			if p.namespace == "ingress-nginx" {
				controller = p
			}
		}
		for _, dst := range f.pods {
			for _, port := range dst.ports {
				if dst.workspace != "" && f.allowed(controller, dst, port) && port.Name != "http" && !(dst.labels[kit.AppLabel] == "mail" && port.Name != "http") && !(dst.labels[kit.AppLabel] == "jitsi-jvb") {
					t.Errorf("extras=%v: the ingress controller reaches %s/%s on %s (%d)", extras, dst.namespace, dst.name, port.Name, port.ContainerPort)
				}
			}
		}
	}
}

// TestCombinedPoliciesAdmitWhatTheSeparateOnesDid compares, at every point of the contract
// matrix and for every pod pair and port (inside the workspace and to the platform's pods),
// what the combined policies State renders admit with what the policies each component
// rendered admitted on their own.
func TestCombinedPoliciesAdmitWhatTheSeparateOnesDid(t *testing.T) {
	for _, c := range contractMatrix() {
		if c.size != rathausv1alpha1.SizeS && c.size != rathausv1alpha1.SizeM {
			continue // L and XL run the media nodes M does, more of them
		}
		in := contractInputs(c)
		combined := renderFleet(t, in)
		separate := *combined
		separate.policies = separatePolicies(t, in)
		if len(combined.policies) >= len(separate.policies) {
			t.Errorf("%s: %d policies combined from %d: nothing was combined", c, len(combined.policies), len(separate.policies))
		}
		checked := 0
		for _, src := range combined.pods {
			for _, dst := range combined.pods {
				for _, port := range dst.ports {
					checked++
					if got, want := combined.allowed(src, dst, port), separate.allowed(src, dst, port); got != want {
						t.Errorf("%s: %s/%s to %s/%s on %s %d: combined %v, separate %v", c, src.namespace, src.name, dst.namespace, dst.name, port.Protocol, port.ContainerPort, got, want)
					}
				}
			}
		}
		if c.extras && c.size == rathausv1alpha1.SizeS {
			t.Logf("%s: %d policies combined from %d; %d pod-port pairs compared", c, len(combined.policies), len(separate.policies), checked)
		}
	}
}

// separatePolicies are the NetworkPolicies of in's components as each rendered them.
func separatePolicies(t *testing.T, in stack.Inputs) []networkingv1.NetworkPolicy {
	t.Helper()
	derived, err := Derive(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	var out []networkingv1.NetworkPolicy
	for _, c := range Components {
		objs, err := c.Render(derived)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objs {
			if np, ok := obj.(*networkingv1.NetworkPolicy); ok {
				out = append(out, *np)
			}
		}
	}
	return out
}
