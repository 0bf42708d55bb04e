package events

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// st builds a status from conditions written "Type=Status/Reason" and services written
// "name=Status@version".
func st(provisioned bool, conds []string, services ...string) *rathausv1alpha1.MunicipalityWorkspaceStatus {
	out := &rathausv1alpha1.MunicipalityWorkspaceStatus{}
	if provisioned {
		t := metav1.NewTime(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
		out.ProvisionedTime = &t
	}
	for _, c := range conds {
		typ, rest := cut(c, "=")
		s, reason := cut(rest, "/")
		out.Conditions = append(out.Conditions, metav1.Condition{Type: typ, Status: metav1.ConditionStatus(s), Reason: reason, Message: "message of " + reason})
	}
	for _, svc := range services {
		name, rest := cut(svc, "=")
		s, version := cut(rest, "@")
		out.Services = append(out.Services, rathausv1alpha1.ServiceStatus{Name: name, Ready: metav1.ConditionStatus(s), Version: version})
	}
	return out
}

func cut(s, sep string) (string, string) {
	before, after, _ := strings.Cut(s, sep)
	return before, after
}

var (
	progressing = []string{"FilesReady=False/Progressing", "Ready=False/Progressing", "Reconciling=True/Progressing"}
	ready       = []string{"FilesReady=True/Available", "Ready=True/Provisioned"}
	noPlatform  = []string{"Ready=False/PlatformNotFound", "Stalled=True/PlatformNotFound"}
	conflict    = []string{"Ready=False/DomainConflict", "Stalled=True/DomainConflict"}
)

func warning(reason, msg string) Event {
	return Event{Type: corev1.EventTypeWarning, Reason: reason, Message: msg}
}

func normal(reason, msg string) Event {
	return Event{Type: corev1.EventTypeNormal, Reason: reason, Message: msg}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		name     string
		old, new *rathausv1alpha1.MunicipalityWorkspaceStatus
		want     []Event
	}{
		{name: "nothing changed on a settled workspace", old: st(true, ready, "files=True@33.0.7"), new: st(true, ready, "files=True@33.0.7")},
		{name: "nothing changed while progressing", old: st(false, progressing, "files=False"), new: st(false, progressing, "files=False")},
		{name: "first reconcile, still progressing", old: st(false, nil), new: st(false, progressing, "files=False")},
		{
			name: "first Ready is Provisioned",
			old:  st(false, progressing, "files=False"), new: st(true, ready, "files=True@33.0.7"),
			want: []Event{normal(rathausv1alpha1.ReasonProvisioned, "the workspace is provisioned and its enabled services are available")},
		},
		{
			name: "Ready on the very first reconcile is Provisioned",
			old:  st(false, nil), new: st(true, ready),
			want: []Event{normal(rathausv1alpha1.ReasonProvisioned, "the workspace is provisioned and its enabled services are available")},
		},
		{
			name: "a ready workspace and service degrade",
			old:  st(true, ready, "files=True@33.0.7"), new: st(true, progressing, "files=False@33.0.7"),
			want: []Event{
				warning(rathausv1alpha1.ReasonDegraded, "the workspace is no longer ready: FilesReady not True"),
				warning(rathausv1alpha1.ReasonServiceDegraded, "service files is not ready"),
			},
		},
		{
			name: "a degraded workspace and service recover",
			old:  st(true, progressing, "files=False@33.0.7"), new: st(true, ready, "files=True@33.0.7"),
			want: []Event{
				normal(rathausv1alpha1.ReasonRecovered, "the workspace is ready again"),
				normal(rathausv1alpha1.ReasonServiceRecovered, "service files is ready again"),
			},
		},
		{
			name: "a service going Unknown is degraded too",
			old:  st(true, ready, "files=True@33.0.7"), new: st(true, ready, "files=Unknown@33.0.7"),
			want: []Event{warning(rathausv1alpha1.ReasonServiceDegraded, "service files is not ready")},
		},
		{
			name: "a service ready for the first time is no recovery",
			old:  st(true, ready, "files=True@33.0.7", "video=False"), new: st(true, ready, "files=True@33.0.7", "video=True@stable-11146-2"),
		},
		{
			name: "a service switched on or off is no transition",
			old:  st(true, ready, "files=True@33.0.7"), new: st(true, ready, "video=False"),
		},
		{
			name: "stalling on a missing platform",
			old:  st(false, nil), new: st(false, noPlatform),
			want: []Event{warning("PlatformNotFound", "message of PlatformNotFound")},
		},
		{
			name: "a conflict stalls a ready workspace: one Event, with the stall's reason",
			old:  st(true, ready), new: st(true, conflict),
			want: []Event{warning("DomainConflict", "message of DomainConflict")},
		},
		{
			name: "the stall's reason changes",
			old:  st(false, noPlatform), new: st(false, conflict),
			want: []Event{warning("DomainConflict", "message of DomainConflict")},
		},
		{
			name: "a stall resolved before the first Ready",
			old:  st(false, noPlatform), new: st(false, progressing),
			want: []Event{normal(rathausv1alpha1.ReasonStallResolved, "the workspace is no longer stalled by PlatformNotFound")},
		},
		{
			name: "a stall resolved straight to the first Ready",
			old:  st(false, noPlatform), new: st(true, ready),
			want: []Event{
				normal(rathausv1alpha1.ReasonStallResolved, "the workspace is no longer stalled by PlatformNotFound"),
				normal(rathausv1alpha1.ReasonProvisioned, "the workspace is provisioned and its enabled services are available"),
			},
		},
		{
			name: "a stall of a provisioned workspace resolved",
			old:  st(true, conflict), new: st(true, ready),
			want: []Event{
				normal(rathausv1alpha1.ReasonStallResolved, "the workspace is no longer stalled by DomainConflict"),
				normal(rathausv1alpha1.ReasonRecovered, "the workspace is ready again"),
			},
		},
		{
			name: "an operator upgrade backfilling ProvisionedTime of a ready workspace says nothing",
			old:  st(false, ready), new: st(true, ready),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Transitions(tt.old, tt.new)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Transitions =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestRestoreTransitions(t *testing.T) {
	restore := func(id string, phase rathausv1alpha1.RestorePhase) *rathausv1alpha1.RestoreStatus {
		return &rathausv1alpha1.RestoreStatus{ID: id, Phase: phase, Message: "m"}
	}
	tests := []struct {
		name     string
		old, new *rathausv1alpha1.RestoreStatus
		want     string
	}{
		{"starts", nil, restore("r1", rathausv1alpha1.RestoreRestoring), "Normal RestoreStarted restore r1: m"},
		{"goes on", restore("r1", rathausv1alpha1.RestoreRestoring), restore("r1", rathausv1alpha1.RestoreRestoring), ""},
		{"succeeds", restore("r1", rathausv1alpha1.RestoreRestoring), restore("r1", rathausv1alpha1.RestoreSucceeded), "Normal RestoreSucceeded restore r1: m"},
		{"fails", restore("r1", rathausv1alpha1.RestoreRestoring), restore("r1", rathausv1alpha1.RestoreFailed), "Warning RestoreFailed restore r1: m"},
		{"a new id", restore("r1", rathausv1alpha1.RestoreSucceeded), restore("r2", rathausv1alpha1.RestoreRestoring), "Normal RestoreStarted restore r2: m"},
		{"removed", restore("r1", rathausv1alpha1.RestoreSucceeded), nil, ""},
	}
	for _, tt := range tests {
		got := last(Transitions(&rathausv1alpha1.MunicipalityWorkspaceStatus{Restore: tt.old}, &rathausv1alpha1.MunicipalityWorkspaceStatus{Restore: tt.new}))
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestComplianceTransitions(t *testing.T) {
	at := func(minute int, state rathausv1alpha1.ComplianceState) *rathausv1alpha1.CredentialsStatus {
		return &rathausv1alpha1.CredentialsStatus{Compliance: &rathausv1alpha1.ComplianceStatus{
			State: state, SubmittedAt: metav1.NewTime(time.Date(2026, 12, 1, 10, minute, 0, 0, time.UTC)), Message: "m", CredentialID: "c",
		}}
	}
	tests := []struct {
		name     string
		old, new *rathausv1alpha1.CredentialsStatus
		want     string
	}{
		{"first answer, compliant", nil, at(0, rathausv1alpha1.ComplianceCompliant), "Normal GaiaXCompliant the compliance service issued c"},
		{"no new submission", at(0, rathausv1alpha1.ComplianceCompliant), at(0, rathausv1alpha1.ComplianceCompliant), ""},
		{"refused", at(0, rathausv1alpha1.ComplianceCompliant), at(5, rathausv1alpha1.ComplianceRejected), "Warning GaiaXComplianceRejected the compliance service refused the credentials: m"},
		{"unreachable", at(0, rathausv1alpha1.ComplianceRejected), at(5, rathausv1alpha1.ComplianceUnreachable), "Warning GaiaXComplianceUnreachable the compliance service did not answer: m"},
		{"still unreachable", at(0, rathausv1alpha1.ComplianceUnreachable), at(10, rathausv1alpha1.ComplianceUnreachable), ""},
		{"renewed", at(0, rathausv1alpha1.ComplianceCompliant), at(10, rathausv1alpha1.ComplianceCompliant), "Normal GaiaXCompliant the compliance service issued c"},
		{"no longer submitted", at(0, rathausv1alpha1.ComplianceCompliant), &rathausv1alpha1.CredentialsStatus{}, ""},
	}
	for _, tt := range tests {
		got := last(Transitions(&rathausv1alpha1.MunicipalityWorkspaceStatus{Credentials: tt.old}, &rathausv1alpha1.MunicipalityWorkspaceStatus{Credentials: tt.new}))
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// last is the last Event as "type reason message"; empty for none.
func last(events []Event) string {
	if len(events) == 0 {
		return ""
	}
	e := events[len(events)-1]
	return e.Type + " " + e.Reason + " " + e.Message
}
