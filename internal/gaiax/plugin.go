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

// PlatformSecrets implements stack.PlatformSecretUser: the key that signs the credentials
// and, for Loire, the notary's registration credential; read and never copied.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	_, gx := settings(p)
	if gx == nil {
		return nil
	}
	var out []rathausv1alpha1.NamespacedName
	if gx.SigningKeySecret != nil {
		out = append(out, *gx.SigningKeySecret)
	}
	if gx.RegistrationCredentialSecret != nil && gx.EffectiveFormat() == rathausv1alpha1.GaiaXFormatLoire {
		out = append(out, *gx.RegistrationCredentialSecret)
	}
	return out
}

// ReportsFromInputsOnly implements stack.InputsOnlyReporter: the summary is a function of the
// inputs (the signing key among them), and a presentation, once signed, is remembered.
func (Component) ReportsFromInputsOnly() {}

// ReportStatus implements stack.StatusReporter: status.credentials. The last submission to a
// compliance service stays; the reconciler's compliance step owns it.
func (Component) ReportStatus(in stack.Inputs, _ time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	var last *rathausv1alpha1.ComplianceStatus
	if st.Credentials != nil {
		last = st.Credentials.Compliance
	}
	st.Credentials = Summary(in)
	if st.Credentials != nil {
		st.Credentials.Compliance = last
	}
}
