package controllers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/gaiax/clearinghouse"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// complianceTimeout bounds one submission: a clearing house checks the chain and the shapes,
// which takes seconds, and a reconcile must not hang on it.
const complianceTimeout = 30 * time.Second

// complianceSubmissions are at most this many per second, with bursts of
// complianceBurst, across the fleet: a new signing key changes every workspace's
// presentation at once, and a thousand submissions in a burst would meet a clearing house's
// rate limit.
const (
	complianceRate  = rate.Limit(1)
	complianceBurst = 5
)

// complianceSubmitter submits workspaces' presentations to the platforms' compliance
// services.
type complianceSubmitter struct {
	http    *http.Client
	limiter *rate.Limiter
}

func newComplianceSubmitter(httpClient *http.Client) *complianceSubmitter {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: complianceTimeout}
	}
	return &complianceSubmitter{http: httpClient, limiter: rate.NewLimiter(complianceRate, complianceBurst)}
}

// complianceResult is what the compliance step found, for the status.
type complianceResult struct {
	// known is false when the step did not run (the stack did not converge); the status keeps
	// what it had.
	known bool
	// service is the platform's compliance service; "" when it names none.
	service string
	digest  string
	last    *rathausv1alpha1.ComplianceStatus
	requeue time.Duration
}

// checkCompliance submits the workspace's presentation when it is due (gaiax.SubmissionDue)
// and the fleet's rate allows, and keeps the compliance credential it gets back. It runs after
// the stack converged, so that what is submitted is what the ConfigMap publishes.
// A failure to keep the credential is logged and retried after complianceRetry; it never
// touches the stack's conditions.
func (r *WorkspaceReconciler) checkCompliance(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, in stack.Inputs) complianceResult {
	res, err := r.submitIfDue(ctx, ws, in)
	if err != nil {
		log.FromContext(ctx).Error(err, "Gaia-X compliance step failed; retrying")
		return complianceResult{requeue: complianceRetry}
	}
	return res
}

// complianceRetry is when a failed compliance step is tried again.
const complianceRetry = time.Minute

func (r *WorkspaceReconciler) submitIfDue(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, in stack.Inputs) (complianceResult, error) {
	res := complianceResult{known: true, service: gaiax.ComplianceService(in)}
	if res.service == "" {
		return res, nil
	}
	_, digest, err := gaiax.LoireSummary(in)
	if err != nil {
		return complianceResult{}, err
	}
	res.digest = digest
	if ws.Status.Credentials != nil {
		res.last = ws.Status.Credentials.Compliance
	}
	now := r.Now()
	due, recheck := gaiax.SubmissionDue(res.last, res.digest, now)
	if !due {
		res.requeue = recheck
		return res, nil
	}
	if wait := r.compliance.wait(); wait > 0 {
		res.requeue = wait
		return res, nil
	}
	bundle, err := gaiax.Loire(in)
	if err != nil {
		return complianceResult{}, err
	}
	submitCtx, cancel := context.WithTimeout(ctx, complianceTimeout)
	defer cancel()
	hub := &clearinghouse.Client{BaseURL: res.service, HTTP: r.compliance.http}
	credential, submitErr := hub.Submit(submitCtx, bundle.Presentation, gaiax.ComplianceCredentialID(in))
	outcome, parseErr := gaiax.ComplianceOutcome(res.digest, now, credential, submitErr)
	metrics.ComplianceSubmissions.WithLabelValues(string(outcome.State)).Inc()
	log.FromContext(ctx).Info("Submitted the Gaia-X credentials", "service", res.service, "state", outcome.State, "message", outcome.Message, "parseError", parseErr)
	if outcome.State == rathausv1alpha1.ComplianceCompliant {
		if err := r.keepComplianceCredential(ctx, in, credential); err != nil {
			return complianceResult{}, err
		}
	}
	res.last = &outcome
	_, res.requeue = gaiax.SubmissionDue(res.last, res.digest, now)
	return res, nil
}

// requeueWithin shortens res's requeue to d when d is sooner; d 0 asks for none.
func requeueWithin(d time.Duration, res ctrl.Result) ctrl.Result {
	if d > 0 && (res.RequeueAfter == 0 || d < res.RequeueAfter) {
		res.RequeueAfter = d
	}
	return res
}

// wait is how long a submission must wait for the fleet's rate; 0 when it may go now.
func (s *complianceSubmitter) wait() time.Duration {
	reservation := s.limiter.Reserve()
	if d := reservation.Delay(); d > 0 {
		reservation.Cancel()
		return d
	}
	return 0
}

func (r *WorkspaceReconciler) keepComplianceCredential(ctx context.Context, in stack.Inputs, credential string) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(gaiax.ComplianceConfigMap(in, credential))
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(ownership.FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("keeping the compliance credential: %w", err)
	}
	return nil
}

// applyCompliance writes what the compliance step found into the status: the last
// submission under status.credentials and the GaiaXCompliant condition, which goes when the
// platform names no compliance service.
func applyCompliance(st *rathausv1alpha1.MunicipalityWorkspaceStatus, res complianceResult, generation int64, now time.Time) {
	if !res.known {
		return
	}
	if res.service == "" || st.Credentials == nil {
		if st.Credentials != nil {
			st.Credentials.Compliance = nil
		}
		meta.RemoveStatusCondition(&st.Conditions, rathausv1alpha1.ConditionGaiaXCompliant)
		return
	}
	st.Credentials.Compliance = res.last
	c := gaiax.ComplianceCondition(res.last, res.digest, res.service, generation)
	c.LastTransitionTime.Time = now
	meta.SetStatusCondition(&st.Conditions, c)
}
