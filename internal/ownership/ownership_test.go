package ownership

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
)

func TestControlledByAnother(t *testing.T) {
	workspace := metav1.OwnerReference{APIVersion: "rathaus.io/v1alpha1", Kind: "MunicipalityWorkspace", Name: "kiel", Controller: ptr.To(true)}
	ingress := metav1.OwnerReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "rathaus-keycloak", Controller: ptr.To(true)}
	lookalike := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "MunicipalityWorkspace", Name: "kiel", Controller: ptr.To(true)}
	plainOwner := ingress
	plainOwner.Controller = nil
	for _, tc := range []struct {
		name string
		refs []metav1.OwnerReference
		want bool
	}{
		{"no owner: a trimmed cached object of the workspace's", nil, false},
		{"the workspace controls it", []metav1.OwnerReference{workspace}, false},
		{"ingress-shim's Certificate of an Ingress", []metav1.OwnerReference{ingress}, true},
		{"a kind of the same name in another group", []metav1.OwnerReference{lookalike}, true},
		{"an owner that is not its controller", []metav1.OwnerReference{plainOwner}, false},
		{"another owner besides the controlling workspace", []metav1.OwnerReference{plainOwner, workspace}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{}
			obj.SetOwnerReferences(tc.refs)
			if got := ControlledByAnother(obj); got != tc.want {
				t.Errorf("ControlledByAnother = %v, want %v", got, tc.want)
			}
		})
	}
}
