package netpol

import (
	"maps"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Combine folds a component's NetworkPolicies that select the same pods into one, keeping
// every rule, so that a workspace costs the API server and every node's network agent (which
// each watch all policies of the cluster) fewer objects: with ShareEgress, 16 instead of 32
// for a workspace with every service. Policies are additive
// (a connection is allowed if any policy selecting the pod allows it, and a pod is isolated
// in a direction if any selects it for that direction), so one policy with the union of the
// rules and of the policy types admits exactly what the separate ones did.
//
// Policies that select every pod (the tenant baseline's default deny and DNS) stay as they
// are: they are the ones an administrator looks for by name. A policy that selects pods no
// other one does keeps its name too.
func Combine(objs []client.Object) []client.Object {
	groups := map[string][]*networkingv1.NetworkPolicy{}
	for _, obj := range objs {
		if np, ok := combinable(obj); ok {
			key := selectorKey(np.Spec.PodSelector.MatchLabels)
			groups[key] = append(groups[key], np)
		}
	}
	out := make([]client.Object, 0, len(objs))
	for _, obj := range objs {
		np, ok := combinable(obj)
		if !ok {
			out = append(out, obj)
			continue
		}
		switch group := groups[selectorKey(np.Spec.PodSelector.MatchLabels)]; {
		case len(group) == 1:
			out = append(out, obj)
		case group[0] == np:
			// The combined policy takes the place of the first of its group.
			out = append(out, merge(group))
		}
	}
	return out
}

// combinable is obj as a NetworkPolicy that selects pods by labels alone.
func combinable(obj client.Object) (*networkingv1.NetworkPolicy, bool) {
	np, ok := obj.(*networkingv1.NetworkPolicy)
	if !ok || len(np.Spec.PodSelector.MatchLabels) == 0 || len(np.Spec.PodSelector.MatchExpressions) > 0 {
		return nil, false
	}
	return np, true
}

// selectorKey is a deterministic rendering of match labels.
func selectorKey(labels map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b.WriteString(k + "=" + labels[k] + ",")
	}
	return b.String()
}

func merge(group []*networkingv1.NetworkPolicy) *networkingv1.NetworkPolicy {
	out := group[0].DeepCopy()
	out.Name = combinedName(group)
	out.Spec.Ingress, out.Spec.Egress, out.Spec.PolicyTypes = nil, nil, nil
	var ingress, egress bool
	for _, np := range group {
		for _, t := range policyTypes(np) {
			ingress = ingress || t == networkingv1.PolicyTypeIngress
			egress = egress || t == networkingv1.PolicyTypeEgress
		}
		out.Spec.Ingress = append(out.Spec.Ingress, np.DeepCopy().Spec.Ingress...)
		out.Spec.Egress = append(out.Spec.Egress, np.DeepCopy().Spec.Egress...)
	}
	if ingress {
		out.Spec.PolicyTypes = append(out.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if egress {
		out.Spec.PolicyTypes = append(out.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	return out
}

// combinedName names a combined policy after the pods it selects: rathaus-<name> for the pods
// of one app (rathaus-mail), rathaus-<role> for pods that share a role label
// (rathaus-database-client for rathaus.io/database-client), otherwise after what the group's
// names share (rathaus-postgresql for CloudNativePG's instances).
func combinedName(group []*networkingv1.NetworkPolicy) string {
	selector := group[0].Spec.PodSelector.MatchLabels
	if name, ok := selector["app.kubernetes.io/name"]; ok {
		return "rathaus-" + name
	}
	var roles []string
	for k, v := range selector {
		if role, ok := strings.CutPrefix(k, "rathaus.io/"); ok && v == "true" {
			roles = append(roles, role)
		}
	}
	if len(roles) == 1 {
		return "rathaus-" + roles[0]
	}
	shared := strings.Split(group[0].Name, "-")
	for _, np := range group[1:] {
		words := strings.Split(np.Name, "-")
		n := 0
		for n < len(shared) && n < len(words) && shared[n] == words[n] {
			n++
		}
		shared = shared[:n]
	}
	if len(shared) < 2 {
		return group[0].Name
	}
	return strings.Join(shared, "-")
}

// policyTypes are the policy's types as the API server defaults them when it names none.
func policyTypes(np *networkingv1.NetworkPolicy) []networkingv1.PolicyType {
	if len(np.Spec.PolicyTypes) > 0 {
		return np.Spec.PolicyTypes
	}
	out := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if len(np.Spec.Egress) > 0 {
		out = append(out, networkingv1.PolicyTypeEgress)
	}
	return out
}
