package netpol

import (
	"encoding/json"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// SharedEgressName names the policy that lets every pod of a workspace open connections to the
// workspace's own servers (ShareEgress).
const SharedEgressName = "rathaus-allow-workspace-egress"

// ShareEgress takes out of the components' NetworkPolicies (rendered, one slice per component,
// changed in place) every egress rule that leads only to pods of the workspace's own namespace
// (its peers are pod selectors alone) and returns those rules as one policy for every pod of
// the namespace, labelled as component's; nil when there are none.
//
// It admits no connection that was not admitted before. A connection needs a rule in the
// source's egress and one in the destination's ingress, and the tenant baseline's default deny
// isolates every pod of the namespace in both directions. Every path between components opens
// both ends with the same client selector (Path), so the egress half repeats what the
// destination's ingress already requires of the client: a pod without the client's labels
// fails the ingress side whatever its egress allows. The reachability test
// (TestCombinedPoliciesAdmitWhatTheSeparateOnesDid) compares every pod pair and port. What it
// saves is objects: about one policy in four of a workspace, which the API server stores and
// every node's network agent watches.
//
// A policy left without any rule is dropped; one left without egress rules stops selecting its
// pods for egress (the default deny still does).
func ShareEgress(in stack.Inputs, component string, rendered [][]client.Object) client.Object {
	var shared []networkingv1.NetworkPolicyEgressRule
	seen := map[string]bool{}
	for i, objs := range rendered {
		kept := objs[:0]
		for _, obj := range objs {
			np, ok := obj.(*networkingv1.NetworkPolicy)
			if !ok || !takeSharedEgress(np, func(r networkingv1.NetworkPolicyEgressRule) {
				if key, err := json.Marshal(r); err == nil && !seen[string(key)] {
					seen[string(key)] = true
					shared = append(shared, r)
				}
			}) {
				kept = append(kept, obj)
				continue
			}
			if len(np.Spec.Ingress) > 0 || len(np.Spec.Egress) > 0 {
				kept = append(kept, np)
			}
		}
		rendered[i] = kept
	}
	if len(shared) == 0 {
		return nil
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: kit.Meta(in, component, SharedEgressName),
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      shared,
		},
	}
}

// takeSharedEgress moves np's egress rules to the workspace's own pods to take and reports
// whether it moved any. A policy of every pod (the baseline's) is left alone.
func takeSharedEgress(np *networkingv1.NetworkPolicy, take func(networkingv1.NetworkPolicyEgressRule)) bool {
	if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 {
		return false
	}
	var rest []networkingv1.NetworkPolicyEgressRule
	for _, r := range np.Spec.Egress {
		if toOwnPodsOnly(r) {
			take(r)
		} else {
			rest = append(rest, r)
		}
	}
	if len(rest) == len(np.Spec.Egress) {
		return false
	}
	types := policyTypes(np)
	np.Spec.Egress = rest
	np.Spec.PolicyTypes = nil
	for _, t := range types {
		if t != networkingv1.PolicyTypeEgress || len(rest) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, t)
		}
	}
	return true
}

// toOwnPodsOnly reports whether every destination of r is a pod of the policy's namespace
// chosen by labels, on given ports.
func toOwnPodsOnly(r networkingv1.NetworkPolicyEgressRule) bool {
	if len(r.To) == 0 || len(r.Ports) == 0 {
		return false
	}
	for _, peer := range r.To {
		if peer.PodSelector == nil || peer.NamespaceSelector != nil || peer.IPBlock != nil {
			return false
		}
		if len(peer.PodSelector.MatchLabels) == 0 && len(peer.PodSelector.MatchExpressions) == 0 {
			return false
		}
	}
	return true
}
