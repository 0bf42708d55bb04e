// Package tenant renders the baseline every workspace namespace gets before any service runs:
// Pod Security Admission labels, quota and default limits from the size tier, network policies
// that deny everything not explicitly needed, and the municipality admins' access.
package tenant

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/sizing"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ComponentName labels the baseline's objects.
const ComponentName = "baseline"

// Object names. Names starting with "rathaus-" are reserved for the operator in a workspace
// namespace.
const (
	QuotaName               = "rathaus-quota"
	LimitRangeName          = "rathaus-limits"
	DefaultDenyPolicyName   = "rathaus-default-deny"
	AllowDNSPolicyName      = "rathaus-allow-dns"
	AllowIngressPolicyName  = "rathaus-allow-ingress-controller"
	TenantRoleName          = "rathaus-tenant"
	TenantRoleBindingName   = "rathaus-tenant"
	PodSecurityLevel        = "restricted"
	podSecurityLabelPrefix  = "pod-security.kubernetes.io/"
	podSecurityVersionLabel = "latest"
)

// DeletionProtectionLabel marks the namespace of a workspace whose data must outlive it
// (deletionPolicy Retain). The namespace-protection ValidatingAdmissionPolicy
// (config/admission) refuses deleting a namespace carrying it: the policy cannot look up
// workspaces, so the operator states the fact on the namespace itself. The label goes with the
// operator's other namespace labels when the workspace is finalized.
const DeletionProtectionLabel = "rathaus.io/deletion-protection"

// WebLabel marks pods that serve users through the ingress controller; only they are
// reachable from the ingress controller's namespace.
const WebLabel = "rathaus.io/web"

// Baseline is the tenant baseline component.
type Baseline struct{}

// Name implements stack.Component.
func (Baseline) Name() string { return ComponentName }

// Render implements stack.Component.
func (Baseline) Render(in stack.Inputs) ([]client.Object, error) {
	objs := []client.Object{
		Namespace(in),
		quota(in, in.Tier),
		limitRange(in),
		defaultDeny(in),
		allowDNS(in),
	}
	if sel := in.Platform.Spec.Ingress.ControllerNamespaceSelector; sel != nil {
		objs = append(objs, allowIngressController(in, sel))
	}
	objs = append(objs, platformCopies(in)...)
	objs = append(objs, tenantRole(in))
	if b := tenantRoleBinding(in); b != nil {
		objs = append(objs, b)
	}
	return objs, nil
}

// Namespace carries only the labels the operator owns; server-side apply leaves every other
// label and field of the municipality's namespace alone. Its rathaus.io/workspace label is
// what the operator-scope admission policy looks for before it admits the operator's writes
// in the namespace.
func Namespace(in stack.Inputs) *corev1.Namespace {
	labels := ownership.Labels(in.Workspace.Name, ComponentName)
	for _, mode := range []string{"enforce", "audit", "warn"} {
		labels[podSecurityLabelPrefix+mode] = PodSecurityLevel
		labels[podSecurityLabelPrefix+mode+"-version"] = podSecurityVersionLabel
	}
	if in.Workspace.EffectiveDeletionPolicy() == rathausv1alpha1.DeletionPolicyRetain {
		labels[DeletionProtectionLabel] = "true"
	}
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: in.Workspace.Namespace, Labels: labels},
	}
}

func quota(in stack.Inputs, tier sizing.Tier) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: kit.Meta(in, ComponentName, QuotaName),
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU:            tier.CPU,
			corev1.ResourceRequestsMemory:         tier.Memory,
			corev1.ResourceLimitsCPU:              sizing.Limit(tier.CPU),
			corev1.ResourceLimitsMemory:           sizing.Limit(tier.Memory),
			corev1.ResourceRequestsStorage:        tier.Storage,
			corev1.ResourcePersistentVolumeClaims: *resource.NewQuantity(tier.Volumes, resource.DecimalSI),
			corev1.ResourcePods:                   *resource.NewQuantity(tier.Pods, resource.DecimalSI),
			corev1.ResourceServicesLoadBalancers:  *resource.NewQuantity(in.Public.LoadBalancers, resource.DecimalSI),
			// Exactly what the enabled services expose (the video bridge's media port, the mail
			// ports), so a tenant cannot open more ports on the nodes than its services need.
			corev1.ResourceServicesNodePorts:        *resource.NewQuantity(in.Public.NodePorts, resource.DecimalSI),
			corev1.ResourceName("count/jobs.batch"): resource.MustParse("50"),
		}},
	}
}

// limitRange gives containers that declare nothing a modest request and limit, so that they
// are admitted under the quota (a quota on requests rejects pods without requests).
func limitRange(in stack.Inputs) *corev1.LimitRange {
	return &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: kit.Meta(in, ComponentName, LimitRangeName),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			DefaultRequest: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("128Mi"),
			},
			Default: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("500m"),
				corev1.ResourceMemory: resource.MustParse("512Mi"),
			},
		}}},
	}
}

func defaultDeny(in stack.Inputs) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, DefaultDenyPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
}

// defaultDNSNamespace is where the cluster DNS runs unless the platform says otherwise.
var defaultDNSNamespace = metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "kube-system"}}

func allowDNS(in stack.Inputs) *networkingv1.NetworkPolicy {
	sel := defaultDNSNamespace.DeepCopy()
	if s := in.Platform.Spec.Network.DNSNamespaceSelector; s != nil {
		sel = s.DeepCopy()
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, AllowDNSPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, 53), port(corev1.ProtocolTCP, 53)},
			}},
		},
	}
}

func allowIngressController(in stack.Inputs, sel *metav1.LabelSelector) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, ComponentName, AllowIngressPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{WebLabel: "true"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			// Only the port the routes lead to: every web Service targets the container port
			// named http (internal/web), never a management port such as Keycloak's 9000.
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel.DeepCopy()}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromString(web.PortName))}},
			}},
		},
	}
}

// platformCopies are the platform Secrets every workspace namespace needs: pods can only use
// image pull Secrets, Ingress TLS Secrets and credential Secrets of their own namespace.
func platformCopies(in stack.Inputs) []client.Object {
	spec := in.Platform.Spec
	var out []client.Object
	add := func(ref *rathausv1alpha1.NamespacedName, name string, typ corev1.SecretType, keys ...string) {
		if ref == nil {
			return
		}
		if s, ok := kit.PlatformSecretCopy(in, ComponentName, name, *ref, typ, keys...); ok {
			out = append(out, s)
		}
	}
	add(spec.Registry.PullSecret, stack.RegistrySecret, corev1.SecretTypeDockerConfigJson, corev1.DockerConfigJsonKey)
	add(spec.Ingress.WildcardCertificateSecret, stack.TLSSecret, corev1.SecretTypeTLS, corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	if spec.SMTPRelay != nil {
		add(spec.SMTPRelay.CredentialsSecret, stack.SMTPSecret, corev1.SecretTypeOpaque, "username", "password")
	}
	return out
}

func port(protocol corev1.Protocol, number int32) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(number)
	return networkingv1.NetworkPolicyPort{Protocol: &protocol, Port: &p}
}

var readOnly = []string{"get", "list", "watch"}

// tenantRole lets the municipality's admins edit their own workspace and see how its stack is
// doing. It grants nothing on Secrets: generated credentials stay with the operator.
func tenantRole(in stack.Inputs) *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: kit.Meta(in, ComponentName, TenantRoleName),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{rathausv1alpha1.GroupVersion.Group}, Resources: []string{"municipalityworkspaces", "municipalityworkspaces/status"}, Verbs: readOnly},
			{APIGroups: []string{rathausv1alpha1.GroupVersion.Group}, Resources: []string{"municipalityworkspaces"}, ResourceNames: []string{in.Workspace.Name}, Verbs: []string{"update", "patch"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "services", "persistentvolumeclaims", "events", "resourcequotas", "limitranges"}, Verbs: readOnly},
			// The admins' one-time passwords for their first login, and no other Secret.
			{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{stack.AdminLoginSecret}, Verbs: []string{"get"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: readOnly},
			{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: readOnly},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "networkpolicies"}, Verbs: readOnly},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: readOnly},
			{APIGroups: []string{"gateway.networking.k8s.io"}, Resources: []string{"httproutes"}, Verbs: readOnly},
		},
	}
}

func tenantRoleBinding(in stack.Inputs) *rbacv1.RoleBinding {
	access := in.Workspace.Spec.TenantAccess
	var subjects []rbacv1.Subject
	for _, u := range sorted(access.Users) {
		subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u})
	}
	for _, g := range sorted(access.Groups) {
		subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: g})
	}
	if len(subjects) == 0 {
		return nil
	}
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: kit.Meta(in, ComponentName, TenantRoleBindingName),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: TenantRoleName},
		Subjects:   subjects,
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
