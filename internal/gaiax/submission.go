package gaiax

import (
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax/clearinghouse"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// When a workspace's presentation is submitted again with the same content: a service that
// did not answer is asked again after unreachableRetry; a refusal stands until the
// credentials change, or rejectedRetry has passed (a clearing house's trust list or rules may
// have changed meanwhile); a compliance credential is renewed renewBefore its end, or after
// three quarters of its life when that is shorter.
const (
	unreachableRetry = 10 * time.Minute
	rejectedRetry    = 24 * time.Hour
	renewBefore      = 7 * 24 * time.Hour
	// maxRecheck bounds how long a workspace waits to be looked at for its compliance.
	maxRecheck = 24 * time.Hour
)

// ComplianceConfigMapName holds the compliance credential a clearing house issued, under
// ComplianceCredentialKey.
const (
	ComplianceConfigMapName = "rathaus-gaiax-compliance"
	ComplianceCredentialKey = "compliance.jwt"
)

// SubmissionDue says whether the presentation with digest must be submitted now, given the
// last submission; when not, recheck is when it next might be (0: only on a change).
func SubmissionDue(last *rathausv1alpha1.ComplianceStatus, digest string, now time.Time) (due bool, recheck time.Duration) {
	if last == nil || last.Digest != digest {
		return true, 0
	}
	var next time.Time
	switch last.State {
	case rathausv1alpha1.ComplianceUnreachable:
		next = last.SubmittedAt.Add(unreachableRetry)
	case rathausv1alpha1.ComplianceRejected:
		next = last.SubmittedAt.Add(rejectedRetry)
	case rathausv1alpha1.ComplianceCompliant:
		if last.ValidUntil == nil {
			return false, 0
		}
		lead := min(renewBefore, last.ValidUntil.Sub(last.SubmittedAt.Time)/4)
		next = last.ValidUntil.Add(-lead)
	default:
		return true, 0
	}
	if !now.Before(next) {
		return true, 0
	}
	return false, min(next.Sub(now), maxRecheck)
}

// maxMessage keeps a service's answer within status.credentials.compliance.message.
const maxMessage = 1024

// ComplianceOutcome is the status of a submission of the presentation with digest at now that
// returned credential or err. A server error (5xx) has judged nothing: it counts as
// Unreachable and is retried, not as a refusal.
func ComplianceOutcome(digest string, now time.Time, credential string, err error) (rathausv1alpha1.ComplianceStatus, error) {
	st := rathausv1alpha1.ComplianceStatus{Digest: digest, SubmittedAt: metav1.NewTime(now.UTC().Truncate(time.Second))}
	var rejection *clearinghouse.Rejection
	switch {
	case errors.As(err, &rejection) && rejection.Status < 500:
		st.State, st.Message = rathausv1alpha1.ComplianceRejected, shorten(rejection.Error())
		return st, nil
	case err != nil:
		st.State, st.Message = rathausv1alpha1.ComplianceUnreachable, shorten(err.Error())
		return st, nil
	}
	label, perr := clearinghouse.ParseLabel(credential)
	if perr != nil {
		st.State, st.Message = rathausv1alpha1.ComplianceRejected, shorten("the service answered with something that is not a compliance credential: "+perr.Error())
		return st, perr
	}
	st.State, st.CredentialID = rathausv1alpha1.ComplianceCompliant, label.ID
	if t, err := time.Parse(time.RFC3339, label.ValidUntil); err == nil {
		until := metav1.NewTime(t.UTC())
		st.ValidUntil = &until
	}
	return st, nil
}

func shorten(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage-3] + "..."
}

// ComplianceCondition is the workspace's GaiaXCompliant condition for the last submission and
// the current presentation digest.
func ComplianceCondition(last *rathausv1alpha1.ComplianceStatus, digest, service string, generation int64) metav1.Condition {
	c := metav1.Condition{Type: rathausv1alpha1.ConditionGaiaXCompliant, ObservedGeneration: generation}
	switch {
	case last == nil || last.Digest != digest:
		c.Status, c.Reason = metav1.ConditionUnknown, rathausv1alpha1.ReasonCompliancePending
		c.Message = "the current credentials are not yet submitted to " + service
	case last.State == rathausv1alpha1.ComplianceCompliant:
		c.Status, c.Reason = metav1.ConditionTrue, string(last.State)
		c.Message = service + " issued the compliance credential " + last.CredentialID
		if last.ValidUntil != nil {
			c.Message += ", valid until " + last.ValidUntil.UTC().Format(time.RFC3339)
		}
	case last.State == rathausv1alpha1.ComplianceRejected:
		c.Status, c.Reason = metav1.ConditionFalse, string(last.State)
		c.Message = fmt.Sprintf("%s refused the credentials: %s", service, last.Message)
	default:
		c.Status, c.Reason = metav1.ConditionUnknown, string(last.State)
		c.Message = fmt.Sprintf("%s did not answer: %s", service, last.Message)
	}
	return c
}

// ComplianceConfigMap keeps the compliance credential a clearing house issued for the
// workspace's credentials, next to them, for the provider to publish.
func ComplianceConfigMap(in stack.Inputs, credential string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: kit.Meta(in, Component{}.Name(), ComplianceConfigMapName),
		Data:       map[string]string{ComplianceCredentialKey: credential},
	}
}

// ComplianceService is the compliance service the platform names for in's workspace and the
// presentation to submit; "" when there is none to submit to.
func ComplianceService(in stack.Inputs) string {
	_, gx := settings(in.Platform)
	if gx == nil || gx.EffectiveFormat() != rathausv1alpha1.GaiaXFormatLoire {
		return ""
	}
	return gx.ComplianceServiceURL
}

// ComplianceCredentialID is the id a workspace's compliance credential is asked to carry.
func ComplianceCredentialID(in stack.Inputs) string {
	_, gx := settings(in.Platform)
	ws := in.Workspace
	return loire.CredentialURL(gx.Issuer, "workspaces/"+ws.Namespace+"/"+ws.Name+"/compliance.json")
}
