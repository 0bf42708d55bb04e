// Package desired computes the complete desired state of a workspace from its inputs: the
// objects of every component, prepared for server-side apply.
package desired

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/keycloak"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/residency"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/sizing"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// InvalidInputError means the workspace or platform cannot be rendered; the message is for
// the workspace's admins.
type InvalidInputError struct {
	Component string
	Err       error
}

func (e *InvalidInputError) Error() string { return e.Component + ": " + e.Err.Error() }
func (e *InvalidInputError) Unwrap() error { return e.Err }

// Reason is the condition reason a component gave with a stack.UnmetError, "" otherwise.
func (e *InvalidInputError) Reason() string {
	var unmet *stack.UnmetError
	if errors.As(e.Err, &unmet) {
		return unmet.Reason
	}
	return ""
}

// Derive fills the derived fields of in: the size tier, the identity and its clients, the
// enabled services' endpoints and the databases the enabled components need. An unknown size tier is invalid input.
func Derive(in stack.Inputs, components []stack.Component) (stack.Inputs, error) {
	tier, err := sizing.For(in.Workspace.Spec.Size, in.Platform.Spec.Sizes)
	if err != nil {
		return in, &InvalidInputError{Component: "size", Err: err}
	}
	in.Tier = tier

	in.OIDCClients = oidcClients(in, components)
	switch id := in.Workspace.Spec.Identity; id.Mode {
	case rathausv1alpha1.IdentityExternal:
		in.Identity = &stack.Identity{IssuerURL: id.IssuerURL}
	default:
		in.Identity = &stack.Identity{IssuerURL: keycloak.IssuerURL(in)}
	}

	in.Endpoints = nil
	for _, c := range components {
		if svc, ok := c.(stack.Service); ok {
			if name, url, enabled := svc.Endpoint(in); enabled {
				in.Endpoints = append(in.Endpoints, stack.Endpoint{Service: name, URL: url, Version: svc.Version(in), ConditionType: svc.ConditionType()})
			}
		}
	}

	in.Public = stack.PublicServices{}
	for _, c := range components {
		if e, ok := c.(stack.Exposed); ok {
			in.Public = in.Public.Add(e.PublicServices(in))
		}
	}

	// Databases last: the identity provider needs one only while some service uses it.
	in.Databases = nil
	for _, c := range components {
		if u, ok := c.(stack.DatabaseUser); ok {
			in.Databases = append(in.Databases, u.Databases(in)...)
		}
	}
	slices.Sort(in.Databases)
	in.Databases = slices.Compact(in.Databases)

	// Then what depends on the databases: the credentials and where the data lies.
	credentials, err := Secrets(in, components)
	if err != nil {
		return in, err
	}
	in.Credentials = credentials
	in.BackupSources = nil
	for _, c := range components {
		if b, ok := c.(stack.BackedUp); ok {
			for _, src := range b.BackupSources(in) {
				src.Component = c.Name()
				in.BackupSources = append(in.BackupSources, src)
			}
		}
	}
	return in, nil
}

// oidcClients are the clients of the enabled services that log users in, by service.
func oidcClients(in stack.Inputs, components []stack.Component) []stack.OIDCClient {
	var out []stack.OIDCClient
	for _, c := range components {
		if u, ok := c.(stack.OIDCUser); ok {
			if client, needed := u.OIDCClient(in); needed {
				out = append(out, client)
			}
		}
	}
	slices.SortFunc(out, func(a, b stack.OIDCClient) int { return strings.Compare(a.Service, b.Service) })
	return out
}

// State renders every component and returns the objects to apply, in apply order. Two objects
// of the same kind, namespace and name are a programming error and reported as such.
func State(in stack.Inputs, components []stack.Component) ([]*unstructured.Unstructured, error) {
	if in.Records == nil {
		// The reconciler sets them once for status and zone file alike; callers that do not
		// need them separately get them here.
		in.Records = Records(in, components)
	}
	rendered := make([][]client.Object, len(components))
	for i, c := range components {
		objs, err := c.Render(in)
		if err != nil {
			return nil, &InvalidInputError{Component: c.Name(), Err: err}
		}
		rendered[i] = objs
	}
	if len(components) > 0 {
		// The shared egress policy is the first component's, the tenant baseline's in the
		// registry, beside its default deny.
		if shared := netpol.ShareEgress(in, components[0].Name(), rendered); shared != nil {
			rendered[0] = append(rendered[0], shared)
		}
	}
	var out []*unstructured.Unstructured
	seen := map[string]string{}
	hold := backup.Hold(in)
	for i, c := range components {
		objs := netpol.Combine(rendered[i])
		for _, obj := range objs {
			if hold != nil {
				hold(obj)
			}
			applyPodPolicies(in, obj)
			keepVolumeSize(in, obj)
			u, err := apply.Prepare(obj)
			if err != nil {
				return nil, fmt.Errorf("component %s: %w", c.Name(), err)
			}
			key := Key(u)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("components %s and %s both render %s", prev, c.Name(), key)
			}
			seen[key] = c.Name()
			out = append(out, u)
		}
	}
	return out, nil
}

// Namespace is the workspace namespace's labels, prepared as State prepares its objects. The
// reconciler applies it before anything else, generated credentials included: the
// operator-scope admission policy admits the operator's writes only in a namespace that
// carries them.
func Namespace(in stack.Inputs) (*unstructured.Unstructured, error) {
	return apply.Prepare(tenant.Namespace(in))
}

// applyPodPolicies applies what the platform asks of every pod, so that no component has to
// remember it: the copy of the registry's pull Secret, and the allowed regions.
func applyPodPolicies(in stack.Inputs, obj client.Object) {
	var spec *corev1.PodSpec
	switch o := obj.(type) {
	case *appsv1.Deployment:
		spec = &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		spec = &o.Spec.Template.Spec
	case *batchv1.Job:
		spec = &o.Spec.Template.Spec
	case *batchv1.CronJob:
		spec = &o.Spec.JobTemplate.Spec.Template.Spec
	default:
		return
	}
	if in.Platform.Spec.Registry.PullSecret != nil {
		spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: stack.RegistrySecret}}
	}
	residency.Restrict(spec, in.Platform)
}

// keepVolumeSize never asks a volume to shrink: Kubernetes refuses it, and a smaller size tier
// must not stall the workspace or risk the data. A claim that exists keeps its larger request.
func keepVolumeSize(in stack.Inputs, obj client.Object) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return
	}
	existing, ok := in.Observed[stack.Key("PersistentVolumeClaim", pvc.Namespace, pvc.Name)].(*corev1.PersistentVolumeClaim)
	if !ok {
		return
	}
	have, want := existing.Spec.Resources.Requests.Storage(), pvc.Spec.Resources.Requests.Storage()
	if have.Cmp(*want) > 0 {
		pvc.Spec.Resources.Requests[corev1.ResourceStorage] = have.DeepCopy()
	}
}

// Key identifies a rendered object as stack.Key does.
func Key(u *unstructured.Unstructured) string {
	return stack.Key(u.GetKind(), u.GetNamespace(), u.GetName())
}

// Secrets returns the generated-credential Secrets the components need, in component order.
// Two components asking for one Secret name is a programming error.
func Secrets(in stack.Inputs, components []stack.Component) ([]secrets.Spec, error) {
	var out []secrets.Spec
	seen := map[string]string{}
	for _, c := range components {
		owner, ok := c.(stack.SecretOwner)
		if !ok {
			continue
		}
		for _, spec := range owner.Secrets(in) {
			if prev, dup := seen[spec.Name]; dup {
				return nil, fmt.Errorf("components %s and %s both need Secret %s", prev, c.Name(), spec.Name)
			}
			seen[spec.Name] = c.Name()
			spec.Component = c.Name()
			out = append(out, spec)
		}
	}
	return out, nil
}

// SecretObject returns the Secret of spec without its data: the shell generates that once.
func SecretObject(in stack.Inputs, spec secrets.Spec) *corev1.Secret {
	typ := corev1.SecretTypeOpaque
	if spec.Type != "" {
		typ = corev1.SecretType(spec.Type)
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: kit.DataMeta(in, spec.Component, spec.Name),
		Type:       typ,
	}
}

// Contracts returns the image contracts of the components, in component order: what each
// pinned upstream image requires of the containers that run it (internal/contract).
func Contracts(components []stack.Component) []contract.Image {
	var out []contract.Image
	for _, c := range components {
		if h, ok := c.(contract.Holder); ok {
			out = append(out, h.Contracts()...)
		}
	}
	return out
}
