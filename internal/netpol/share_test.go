package netpol

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func TestShareEgress(t *testing.T) {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"}},
		Platform:  &rathausv1alpha1.WorkspacePlatform{},
	}
	db := map[string]string{"app.kubernetes.io/name": "postgresql"}
	clients := map[string]string{"rathaus.io/database-client": "true"}
	keycloak := map[string]string{"app.kubernetes.io/name": "keycloak"}
	toInternet := ToInternet(in, "identity", "rathaus-keycloak-internet", keycloak, 443)
	mixed := policy("rathaus-mixed", keycloak, networkingv1.PolicyTypeEgress)
	mixed.Spec.Egress[0].Ports = policyPorts([]Port{TCP(8080)})
	mixed.Spec.Egress[0].To = append(mixed.Spec.Egress[0].To, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}})
	everyPod := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "rathaus-allow-dns"}, Spec: networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress:      []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: db}}}, Ports: policyPorts([]Port{UDP(53)})}},
	}}
	// keycloak's own policy: admits its clients and reaches the database, both in one object.
	keycloakPolicy := Path(in, "identity", "rathaus-keycloak", map[string]string{"rathaus.io/identity-client": "true"}, keycloak, TCP(8080))[1].(*networkingv1.NetworkPolicy)
	keycloakPolicy.Spec.PolicyTypes = append(keycloakPolicy.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	keycloakPolicy.Spec.Egress = Path(in, "identity", "x", keycloak, db, TCP(5432))[0].(*networkingv1.NetworkPolicy).Spec.Egress

	rendered := [][]client.Object{
		{&corev1.ConfigMap{}, everyPod},
		append(Path(in, "database", "rathaus-postgresql", clients, db, TCP(5432)), toInternet, mixed),
		{keycloakPolicy},
	}
	shared := ShareEgress(in, "baseline", rendered)

	var left []string
	for _, objs := range rendered {
		for _, obj := range objs {
			if np, ok := obj.(*networkingv1.NetworkPolicy); ok {
				left = append(left, fmt.Sprintf("%s:%v:%d:%d", np.Name, np.Spec.PolicyTypes, len(np.Spec.Ingress), len(np.Spec.Egress)))
			} else {
				left = append(left, fmt.Sprintf("%T", obj))
			}
		}
	}
	want := []string{
		"*v1.ConfigMap", "rathaus-allow-dns:[Egress]:0:1", // a policy of every pod stays as it is
		// the path's egress half is gone, its ingress half stays
		"rathaus-postgresql-ingress:[Ingress]:1:0",
		"rathaus-keycloak-internet:[Egress]:0:1", // to the internet: stays
		"rathaus-mixed:[Egress]:0:1",             // to pods and an address block: stays
		"rathaus-keycloak-ingress:[Ingress]:1:0", // no longer selects keycloak for egress
	}
	if fmt.Sprint(left) != fmt.Sprint(want) {
		t.Errorf("left\n%v\nwant\n%v", left, want)
	}
	np, ok := shared.(*networkingv1.NetworkPolicy)
	if !ok {
		t.Fatalf("shared policy: %T", shared)
	}
	if np.Name != SharedEgressName || np.Labels["app.kubernetes.io/component"] != "baseline" || len(np.Spec.PodSelector.MatchLabels) != 0 ||
		fmt.Sprint(np.Spec.PolicyTypes) != "[Egress]" || len(np.Spec.Ingress) != 0 {
		t.Errorf("shared policy: %+v", np)
	}
	// Both paths to the database on 5432 are one rule.
	if len(np.Spec.Egress) != 1 || np.Spec.Egress[0].To[0].PodSelector.MatchLabels["app.kubernetes.io/name"] != "postgresql" {
		t.Errorf("shared egress rules: %+v", np.Spec.Egress)
	}

	if ShareEgress(in, "baseline", [][]client.Object{{toInternet, everyPod}}) != nil {
		t.Error("a shared policy without rules")
	}
}
