package gaiax

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax/clearinghouse"
)

var submittedAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func last(state rathausv1alpha1.ComplianceState, digest string, validFor time.Duration) *rathausv1alpha1.ComplianceStatus {
	st := &rathausv1alpha1.ComplianceStatus{State: state, Digest: digest, SubmittedAt: metav1.NewTime(submittedAt)}
	if validFor > 0 {
		until := metav1.NewTime(submittedAt.Add(validFor))
		st.ValidUntil = &until
	}
	return st
}

func TestSubmissionDue(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name        string
		last        *rathausv1alpha1.ComplianceStatus
		now         time.Time
		due         bool
		wantRecheck time.Duration
	}{
		{"never submitted", nil, submittedAt, true, 0},
		{"the credentials changed", last(rathausv1alpha1.ComplianceCompliant, "sha256:old", 90*day), submittedAt.Add(time.Hour), true, 0},
		{"compliant, long before the end", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", 90*day), submittedAt.Add(day), false, day},
		{"compliant, a week before the end", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", 90*day), submittedAt.Add(83 * day), true, 0},
		{"compliant for 8 days, renewed after 6", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", 8*day), submittedAt.Add(5 * day), false, day},
		{"compliant for 8 days, at 6", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", 8*day), submittedAt.Add(6 * day), true, 0},
		{"compliant without an end", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", 0), submittedAt.Add(400 * day), false, 0},
		{"unreachable, just now", last(rathausv1alpha1.ComplianceUnreachable, "sha256:d", 0), submittedAt.Add(time.Minute), false, 9 * time.Minute},
		{"unreachable, ten minutes ago", last(rathausv1alpha1.ComplianceUnreachable, "sha256:d", 0), submittedAt.Add(10 * time.Minute), true, 0},
		{"rejected, an hour ago", last(rathausv1alpha1.ComplianceRejected, "sha256:d", 0), submittedAt.Add(time.Hour), false, 23 * time.Hour},
		{"rejected, a day ago", last(rathausv1alpha1.ComplianceRejected, "sha256:d", 0), submittedAt.Add(day), true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			due, recheck := SubmissionDue(c.last, "sha256:d", c.now)
			if due != c.due || recheck != c.wantRecheck {
				t.Errorf("SubmissionDue = %v, %v; want %v, %v", due, recheck, c.due, c.wantRecheck)
			}
		})
	}
}

func labelCredential(t *testing.T, validUntil string) string {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"id": "https://compliance.example.eu/credentials/1", "type": []any{"VerifiableCredential", "gx:LabelCredential"},
		"issuer": "did:web:compliance.example.eu", "validFrom": "2026-12-01T10:00:00Z", "validUntil": validUntil,
		"credentialSubject": map[string]any{"id": "x", "gx:labelLevel": "SC"},
	})
	return "eyJhbGciOiJQUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
}

func TestComplianceOutcome(t *testing.T) {
	st, err := ComplianceOutcome("sha256:d", submittedAt, labelCredential(t, "2027-03-01T10:00:00Z"), nil)
	if err != nil || st.State != rathausv1alpha1.ComplianceCompliant || st.CredentialID != "https://compliance.example.eu/credentials/1" ||
		st.ValidUntil == nil || !st.ValidUntil.Equal(&metav1.Time{Time: time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)}) {
		t.Errorf("a label credential: %+v, %v", st, err)
	}
	rejected := &clearinghouse.Rejection{Status: 409, Message: "Conflict", Errors: []string{"gx:LegalPerson: missing gx:registrationNumber"}}
	if st, _ := ComplianceOutcome("sha256:d", submittedAt, "", rejected); st.State != rathausv1alpha1.ComplianceRejected || !strings.Contains(st.Message, "missing gx:registrationNumber") {
		t.Errorf("a rejection: %+v", st)
	}
	unavailable := &clearinghouse.Rejection{Status: 503, Message: "Service Unavailable"}
	if st, _ := ComplianceOutcome("sha256:d", submittedAt, "", unavailable); st.State != rathausv1alpha1.ComplianceUnreachable {
		t.Errorf("a 503 is no refusal: %+v", st)
	}
	if st, _ := ComplianceOutcome("sha256:d", submittedAt, "", errors.New("dial tcp: connection refused")); st.State != rathausv1alpha1.ComplianceUnreachable || st.Message == "" {
		t.Errorf("no answer: %+v", st)
	}
	if st, err := ComplianceOutcome("sha256:d", submittedAt, "<html>", nil); st.State != rathausv1alpha1.ComplianceRejected || err == nil {
		t.Errorf("an answer that is no credential: %+v, %v", st, err)
	}
	long := &clearinghouse.Rejection{Status: 400, Message: strings.Repeat("x", 5000)}
	if st, _ := ComplianceOutcome("sha256:d", submittedAt, "", long); len(st.Message) > maxMessage {
		t.Errorf("a message of %d bytes is kept", len(st.Message))
	}
}

func TestComplianceCondition(t *testing.T) {
	const svc = "https://compliance.example.eu/v2"
	cases := []struct {
		name   string
		last   *rathausv1alpha1.ComplianceStatus
		status metav1.ConditionStatus
		reason string
	}{
		{"never submitted", nil, metav1.ConditionUnknown, rathausv1alpha1.ReasonCompliancePending},
		{"submitted other credentials", last(rathausv1alpha1.ComplianceCompliant, "sha256:old", time.Hour), metav1.ConditionUnknown, rathausv1alpha1.ReasonCompliancePending},
		{"compliant", last(rathausv1alpha1.ComplianceCompliant, "sha256:d", time.Hour), metav1.ConditionTrue, "Compliant"},
		{"rejected", last(rathausv1alpha1.ComplianceRejected, "sha256:d", 0), metav1.ConditionFalse, "Rejected"},
		{"unreachable", last(rathausv1alpha1.ComplianceUnreachable, "sha256:d", 0), metav1.ConditionUnknown, "Unreachable"},
	}
	for _, c := range cases {
		got := ComplianceCondition(c.last, "sha256:d", svc, 3)
		if got.Type != rathausv1alpha1.ConditionGaiaXCompliant || got.Status != c.status || got.Reason != c.reason || got.ObservedGeneration != 3 || !strings.Contains(got.Message, svc) {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
}
