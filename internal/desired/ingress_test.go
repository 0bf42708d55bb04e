package desired

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/web"
)

// TestIngressControllerReachesOnlyRoutedPorts: the ingress controller's namespace reaches web
// pods on the port their Services route to and on nothing else (not Keycloak's management
// port 9000), and every web pod serves that port, so the rule never cuts a route off.
func TestIngressControllerReachesOnlyRoutedPorts(t *testing.T) {
	for _, c := range []contractCase{{size: rathausv1alpha1.SizeS, database: rathausv1alpha1.DatabaseBundled, identity: "bundled", exposure: "LoadBalancer"}, {size: rathausv1alpha1.SizeL, database: rathausv1alpha1.DatabaseBundled, identity: "bundled", exposure: "NodePort"}} {
		in := contractInputs(c)
		in.Platform.Spec.Ingress.ControllerNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}
		webPods := 0
		for _, u := range state(t, in) {
			if u.GetKind() == "NetworkPolicy" && u.GetName() == tenant.AllowIngressPolicyName {
				var np networkingv1.NetworkPolicy
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &np); err != nil {
					t.Fatal(err)
				}
				for _, rule := range np.Spec.Ingress {
					if len(rule.Ports) != 1 || rule.Ports[0].Port == nil || rule.Ports[0].Port.String() != web.PortName {
						t.Errorf("%s: the ingress controller reaches web pods on %v, want only the named port %s", c, rule.Ports, web.PortName)
					}
				}
			}
			if tmpl := podTemplate(t, u); tmpl != nil && tmpl.Labels[tenant.WebLabel] == "true" {
				webPods++
				if !servesNamedPort(tmpl.Spec, web.PortName) {
					t.Errorf("%s: web pod of %s has no container port named %s, which its route leads to", c, u.GetName(), web.PortName)
				}
			}
		}
		if webPods < 5 {
			t.Errorf("%s: only %d web pods rendered; the test sees too little", c, webPods)
		}
	}
}

func servesNamedPort(spec corev1.PodSpec, name string) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}
