package netpol

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func policy(name string, selector map[string]string, types ...networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	np.Spec.PodSelector.MatchLabels = selector
	np.Spec.PolicyTypes = types
	for _, t := range types {
		rule := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"from": name}}}}
		if t == networkingv1.PolicyTypeIngress {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: rule})
		} else {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: rule})
		}
	}
	return np
}

func TestCombine(t *testing.T) {
	mail := map[string]string{"app.kubernetes.io/name": "mail", "rathaus.io/workspace": "kiel"}
	clients := map[string]string{"rathaus.io/database-client": "true", "rathaus.io/workspace": "kiel"}
	ingress, egress := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	expressions := policy("by-expression", mail, ingress)
	expressions.Spec.PodSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpExists}}
	cases := []struct {
		name string
		in   []client.Object
		want []string // name:types:ingress rules:egress rules
	}{
		{"a lone policy keeps its name",
			[]client.Object{policy("rathaus-mail-internet", mail, egress)},
			[]string{"rathaus-mail-internet:[Egress]:0:1"}},
		{"same pods, one policy named after the app, in the first one's place",
			[]client.Object{&corev1.Service{}, policy("rathaus-mail-public", mail, ingress), &corev1.ConfigMap{}, policy("rathaus-mail-internet", mail, egress), policy("rathaus-mail-peers", mail, ingress, egress)},
			[]string{"Service", "rathaus-mail:[Ingress Egress]:2:2", "*v1.ConfigMap"}},
		{"pods chosen by a role label are named after the role",
			[]client.Object{policy("a", clients, egress), policy("b", clients, egress)},
			[]string{"rathaus-database-client:[Egress]:0:2"}},
		{"policies for every pod stay apart",
			[]client.Object{policy("rathaus-default-deny", nil, ingress, egress), policy("rathaus-allow-dns", nil, egress)},
			[]string{"rathaus-default-deny:[Ingress Egress]:1:1", "rathaus-allow-dns:[Egress]:0:1"}},
		{"selectors with expressions stay apart",
			[]client.Object{expressions, policy("rathaus-mail-public", mail, ingress)},
			[]string{"by-expression:[Ingress]:1:0", "rathaus-mail-public:[Ingress]:1:0"}},
		{"no types named: the API server's defaults count",
			[]client.Object{policy("x", mail), policy("y", mail, egress)},
			[]string{"rathaus-mail:[Ingress Egress]:0:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := make([]client.Object, len(tc.in))
			for i, obj := range tc.in {
				before[i] = obj.DeepCopyObject().(client.Object)
			}
			var got []string
			for _, obj := range Combine(tc.in) {
				got = append(got, describe(obj))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !equality.Semantic.DeepEqual(before, tc.in) {
				t.Error("Combine changed the policies it was given")
			}
		})
	}
}

func describe(obj client.Object) string {
	switch o := obj.(type) {
	case *networkingv1.NetworkPolicy:
		return fmt.Sprintf("%s:%v:%d:%d", o.Name, o.Spec.PolicyTypes, len(o.Spec.Ingress), len(o.Spec.Egress))
	case *corev1.Service:
		return "Service"
	default:
		return fmt.Sprintf("%T", obj)
	}
}

func TestCombinedNameFromSharedWords(t *testing.T) {
	instances := map[string]string{"cnpg.io/cluster": "rathaus-postgresql"}
	group := []*networkingv1.NetworkPolicy{
		policy("rathaus-postgresql-replication-ingress", instances, networkingv1.PolicyTypeIngress),
		policy("rathaus-postgresql-ingress", instances, networkingv1.PolicyTypeIngress),
		policy("rathaus-postgresql-kube-api", instances, networkingv1.PolicyTypeEgress),
	}
	if got := combinedName(group); got != "rathaus-postgresql" {
		t.Errorf("got %q, want rathaus-postgresql", got)
	}
	if got := combinedName([]*networkingv1.NetworkPolicy{policy("a-b", instances), policy("c-d", instances)}); got != "a-b" {
		t.Errorf("nothing shared: got %q, want the first name", got)
	}
}
