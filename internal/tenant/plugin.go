package tenant

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// Kinds implements stack.KindOwner. The namespace itself is not among them: the reconciler
// applies it first and never prunes it.
func (Baseline) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.ResourceQuotaKind, kit.LimitRangeKind, kit.NetworkPolicyKind, kit.RoleKind,
		kit.RoleBindingKind, kit.SecretKind}
}

// PlatformSecrets implements stack.PlatformSecretUser: the Secrets every workspace namespace
// gets a copy of (platformCopies).
func (Baseline) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	var out []rathausv1alpha1.NamespacedName
	for _, ref := range []*rathausv1alpha1.NamespacedName{p.Spec.Registry.PullSecret, p.Spec.Ingress.WildcardCertificateSecret} {
		if ref != nil {
			out = append(out, *ref)
		}
	}
	if r := p.Spec.SMTPRelay; r != nil && r.CredentialsSecret != nil {
		out = append(out, *r.CredentialsSecret)
	}
	return out
}
