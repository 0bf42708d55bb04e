package gaiax

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.ConfigMapKind}
}

// PlatformSecrets implements stack.PlatformSecretUser: the key that signs the credentials,
// read and never copied.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	if p.Spec.Provider == nil || p.Spec.Provider.GaiaX == nil || p.Spec.Provider.GaiaX.SigningKeySecret == nil {
		return nil
	}
	return []rathausv1alpha1.NamespacedName{*p.Spec.Provider.GaiaX.SigningKeySecret}
}

// ReportStatus implements stack.StatusReporter: status.credentials.
func (Component) ReportStatus(in stack.Inputs, _ time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	st.Credentials = Summary(in)
}
