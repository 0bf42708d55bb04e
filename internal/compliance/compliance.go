// Package compliance checks a cluster against what the Sovereign Cloud Stack standards for
// Kubernetes as a service ask (scs-0210 version policy, scs-0211 default storage class,
// scs-0214 node distribution and labels) and what rathaus relies on (Pod Security Admission,
// enforced NetworkPolicies). Each check is a condition on the WorkspacePlatform that says what
// it saw, so a provider can show it to an auditor.
package compliance

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/residency"
)

// NewestKnownMinor is the newest Kubernetes minor this build of the operator knows (its
// client libraries'); upstream supports the three newest minors.
var NewestKnownMinor = version.MajorMinor(1, 37)

// Observed is what the checks look at.
type Observed struct {
	// ServerVersion is the API server's git version, e.g. v1.37.2.
	ServerVersion  string
	Nodes          []corev1.Node
	StorageClasses []storagev1.StorageClass
}

// Check runs every check, in a fixed order.
func Check(p *rathausv1alpha1.WorkspacePlatform, o Observed) []metav1.Condition {
	conds := []metav1.Condition{
		kubernetesVersion(o.ServerVersion),
		defaultStorageClass(o.StorageClasses),
		nodeTopology(o.Nodes, residency.RegionLabel(p)),
		controlPlaneSpread(o.Nodes),
		podSecurity(o.ServerVersion),
		networkPolicies(p),
	}
	for i := range conds {
		conds[i].ObservedGeneration = p.Generation
	}
	return conds
}

func cond(t string, ok bool, reason, format string, args ...any) metav1.Condition {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func kubernetesVersion(server string) metav1.Condition {
	v, err := version.ParseGeneric(server)
	if err != nil {
		return metav1.Condition{Type: rathausv1alpha1.ConditionKubernetesVersion, Status: metav1.ConditionUnknown, Reason: "Unreadable", Message: fmt.Sprintf("the API server reports version %q", server)}
	}
	oldest := version.MajorMinor(NewestKnownMinor.Major(), NewestKnownMinor.Minor()-2)
	mm := version.MajorMinor(v.Major(), v.Minor())
	ok := !mm.LessThan(oldest)
	reason := "Supported"
	if !ok {
		reason = "OutOfSupport"
	}
	return cond(rathausv1alpha1.ConditionKubernetesVersion, ok, reason, "API server %s; upstream supports %d.%d to %d.%d (as far as this operator build knows)",
		server, oldest.Major(), oldest.Minor(), NewestKnownMinor.Major(), NewestKnownMinor.Minor())
}

func defaultStorageClass(classes []storagev1.StorageClass) metav1.Condition {
	var defaults []string
	for _, c := range classes {
		if c.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	slices.Sort(defaults)
	switch len(defaults) {
	case 0:
		return cond(rathausv1alpha1.ConditionDefaultStorage, false, "Missing", "no StorageClass is marked as default (%d classes)", len(classes))
	case 1:
		return cond(rathausv1alpha1.ConditionDefaultStorage, true, "Present", "default StorageClass %s", defaults[0])
	default:
		return cond(rathausv1alpha1.ConditionDefaultStorage, false, "Ambiguous", "several StorageClasses are marked as default: %s", strings.Join(defaults, ", "))
	}
}

func nodeTopology(nodes []corev1.Node, regionLabel string) metav1.Condition {
	var missing []string
	for _, n := range nodes {
		if n.Labels[regionLabel] == "" || n.Labels[corev1.LabelTopologyZone] == "" {
			missing = append(missing, n.Name)
		}
	}
	slices.Sort(missing)
	if len(missing) == 0 {
		return cond(rathausv1alpha1.ConditionNodeTopology, true, "Labelled", "all %d nodes carry %s and %s", len(nodes), regionLabel, corev1.LabelTopologyZone)
	}
	return cond(rathausv1alpha1.ConditionNodeTopology, false, "Unlabelled", "%d of %d nodes lack %s or %s: %s", len(missing), len(nodes), regionLabel, corev1.LabelTopologyZone, strings.Join(first(missing, 5), ", "))
}

func controlPlaneSpread(nodes []corev1.Node) metav1.Condition {
	zones := map[string]bool{}
	count := 0
	for _, n := range nodes {
		if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
			count++
			zones[n.Labels[corev1.LabelTopologyZone]] = true
		}
	}
	if count == 0 {
		return metav1.Condition{Type: rathausv1alpha1.ConditionControlPlaneSpread, Status: metav1.ConditionUnknown, Reason: "NotVisible",
			Message: "no control-plane nodes are visible (a managed control plane); ask the provider for its distribution"}
	}
	return cond(rathausv1alpha1.ConditionControlPlaneSpread, len(zones) > 1, map[bool]string{true: "Spread", false: "SingleZone"}[len(zones) > 1],
		"%d control-plane nodes in %d zones", count, len(zones))
}

func podSecurity(server string) metav1.Condition {
	v, err := version.ParseGeneric(server)
	if err != nil {
		return metav1.Condition{Type: rathausv1alpha1.ConditionPodSecurity, Status: metav1.ConditionUnknown, Reason: "Unreadable", Message: "the API server version is unknown"}
	}
	ok := !version.MajorMinor(v.Major(), v.Minor()).LessThan(version.MajorMinor(1, 25))
	return cond(rathausv1alpha1.ConditionPodSecurity, ok, map[bool]string{true: "BuiltIn", false: "TooOld"}[ok],
		"Pod Security Admission is built into kube-apiserver from 1.25 on; the API server is %s", server)
}

func networkPolicies(p *rathausv1alpha1.WorkspacePlatform) metav1.Condition {
	if p.Spec.Network.PoliciesEnforced {
		return cond(rathausv1alpha1.ConditionNetworkPolicies, true, "Declared", "the provider declares that the network plugin enforces NetworkPolicies")
	}
	return metav1.Condition{Type: rathausv1alpha1.ConditionNetworkPolicies, Status: metav1.ConditionUnknown, Reason: "NotDeclared",
		Message: "enforcement cannot be seen through the API; set spec.network.policiesEnforced once the network plugin enforces NetworkPolicies"}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
