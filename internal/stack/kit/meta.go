package kit

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"strings"

	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// PublicPorts counts a Service with ports ports of the given type: a LoadBalancer also takes
// a node port per port.
func PublicPorts(typ corev1.ServiceType, ports int) stack.PublicServices {
	p := stack.PublicServices{NodePorts: int64(ports)}
	if typ == corev1.ServiceTypeLoadBalancer {
		p.LoadBalancers = 1
	}
	return p
}

// WebClient is the client of a web service at host that receives logins at callbackPath and
// sends users back to its start page after logout.
func WebClient(service, host, callbackPath string) stack.OIDCClient {
	base := "https://" + host
	return stack.OIDCClient{
		Service:                service,
		RedirectURIs:           []string{base + callbackPath},
		PostLogoutRedirectURIs: []string{base + "/"},
		WebOrigins:             []string{base},
	}
}

// AdminLoginKey is the key of an admin's one-time password in stack.AdminLoginSecret: the e-mail
// address with every character a Secret key cannot hold replaced by "-" ("it@kiel.de" gives
// "it-kiel.de"); a Secret key allows letters, digits, "-", "_" and ".".
func AdminLoginKey(email string) string {
	b := []byte(strings.ToLower(email))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}

// PlatformSecretCopy returns a copy of the platform Secret ref under name, with the given keys,
// as an object of component; false when the platform Secret was not read.
func PlatformSecretCopy(in stack.Inputs, component, name string, ref rathausv1alpha1.NamespacedName, typ corev1.SecretType, keys ...string) (*corev1.Secret, bool) {
	data, ok := in.PlatformSecrets[stack.RefKey(ref)]
	if !ok {
		return nil, false
	}
	copied := make(map[string][]byte, len(keys))
	for _, k := range keys {
		copied[k] = data[k]
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: Meta(in, component, name),
		Type:       typ,
		Data:       copied,
	}, true
}

// Meta returns the metadata of a workspace object: namespace, inventory labels and the
// workspace as controlling owner, so Kubernetes garbage-collects it with the workspace.
func Meta(in stack.Inputs, component, name string) metav1.ObjectMeta {
	ws := in.Workspace
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: ws.Namespace,
		Labels:    ownership.Labels(ws.Name, component),
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion:         rathausv1alpha1.GroupVersion.String(),
			Kind:               "MunicipalityWorkspace",
			Name:               ws.Name,
			UID:                ws.UID,
			Controller:         ptr.To(true),
			BlockOwnerDeletion: ptr.To(true),
		}},
	}
}

// DataMeta returns the metadata of an object that holds the municipality's data (a volume, a
// generated credential). It has no owner reference, so deleting the workspace never
// garbage-collects it; only deletionPolicy Delete removes it.
func DataMeta(in stack.Inputs, component, name string) metav1.ObjectMeta {
	m := Meta(in, component, name)
	m.OwnerReferences = nil
	m.Labels[ownership.DataLabel] = "true"
	return m
}

// IngressHosts are hosts served by the platform's ingress while a component is enabled, for
// its stack.HostClaimer.
func IngressHosts(enabled bool, hosts ...string) []stack.Host {
	if !enabled {
		return nil
	}
	out := make([]stack.Host, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, stack.Host{Name: h, Ingress: true})
	}
	return out
}

// Foreign is an object of a kind of another project (cert-manager's Certificate, a Gateway
// API route, CloudNativePG's objects) with the workspace object's metadata of Meta and the
// given content (spec and the like).
func Foreign(in stack.Inputs, component, name string, gvk schema.GroupVersionKind, content map[string]any) *unstructured.Unstructured {
	m := Meta(in, component, name)
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvk)
	u.SetName(m.Name)
	u.SetNamespace(m.Namespace)
	u.SetLabels(m.Labels)
	u.SetOwnerReferences(m.OwnerReferences)
	return u
}
