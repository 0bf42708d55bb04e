// Package web renders how users reach a web-facing service: its Service, an Ingress on its
// host with the platform's class and TLS, and the egress it needs to the internet.
package web

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// ClusterIssuerAnnotation asks cert-manager's ingress-shim for a certificate of the Ingress's
// TLS hosts from the named ClusterIssuer.
const ClusterIssuerAnnotation = "cert-manager.io/cluster-issuer"

// PortName is the container port every web Service targets; the tenant baseline lets the
// ingress controller reach web pods on it and on nothing else.
const PortName = "http"

// Service is a ClusterIP Service for port on the pods matching selector.
func Service(in stack.Inputs, component, name string, selector map[string]string, port int32) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, component, name),
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports:    []corev1.ServicePort{{Name: PortName, Port: port, TargetPort: intstr.FromString(PortName), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// HTTPRouteKind is the Gateway API route; the reconciler checks that its CRD is installed
// before a platform with a Gateway is used.
var HTTPRouteKind = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}

// Route exposes host through the platform's Gateway when it names one, otherwise through an
// Ingress (see Ingress).
func Route(in stack.Inputs, component, name, host, service string, port int32) client.Object {
	gw := in.Platform.Spec.Ingress.Gateway
	if gw == nil {
		return Ingress(in, component, name, host, service, port)
	}
	parent := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": gw.Namespace, "name": gw.Name}
	if gw.SectionName != "" {
		parent["sectionName"] = gw.SectionName
	}
	return kit.Foreign(in, component, name, HTTPRouteKind, map[string]any{
		"spec": map[string]any{
			"parentRefs": []any{parent},
			"hostnames":  []any{host},
			"rules": []any{map[string]any{
				"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}},
				"backendRefs": []any{map[string]any{"name": service, "port": int64(port)}},
			}},
		},
	})
}

// Ingress routes host to the Service. With a ClusterIssuer, cert-manager issues a certificate
// into <name>-tls; with a wildcard certificate, the Ingress uses the tenant baseline's copy of
// it (an Ingress can only use Secrets of its own namespace); with neither, the TLS section
// names no Secret and the ingress controller serves its default certificate.
func Ingress(in stack.Inputs, component, name, host, service string, port int32) *networkingv1.Ingress {
	ing := in.Platform.Spec.Ingress
	meta := kit.Meta(in, component, name)
	tls := networkingv1.IngressTLS{Hosts: []string{host}}
	switch {
	case ing.ClusterIssuer != "":
		meta.Annotations = map[string]string{ClusterIssuerAnnotation: ing.ClusterIssuer}
		tls.SecretName = name + "-tls"
	case ing.WildcardCertificateSecret != nil:
		tls.SecretName = stack.TLSSecret // the baseline's copy of the platform's certificate
	}
	var class *string
	if ing.ClassName != "" {
		class = ptr.To(ing.ClassName)
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			IngressClassName: class,
			TLS:              []networkingv1.IngressTLS{tls},
			Rules: []networkingv1.IngressRule{{
				Host: host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     "/",
						PathType: ptr.To(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: service, Port: networkingv1.ServiceBackendPort{Number: port},
						}},
					}},
				}},
			}},
		},
	}
}

// Kinds are the kinds Route and Service render, for the KindOwner of a web service.
var Kinds = []schema.GroupVersionKind{kit.ServiceKind, networkingv1.SchemeGroupVersion.WithKind("Ingress"), HTTPRouteKind}

// Routed is embedded by the components that expose themselves through Route: it declares
// what Route needs (stack.CapabilityUser).
type Routed struct{}

// Needs implements stack.CapabilityUser with what Route needs on p.
func (Routed) Needs(_ *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	return Needs(p)
}

// Needs is the API Route needs on p: the Gateway API, when the platform names a Gateway.
func Needs(p *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	if p.Spec.Ingress.Gateway == nil {
		return nil
	}
	return []stack.Need{{Kind: HTTPRouteKind, Reason: rathausv1alpha1.ReasonGatewayAPIMissing,
		What: "Gateway API routes, but the gateway.networking.k8s.io HTTPRoute CRD is"}}
}
