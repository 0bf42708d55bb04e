package controllers

import (
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/nextcloud"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

func TestServiceStatusesRecordTheVersionSeenRunning(t *testing.T) {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
			Domain:   "kiel.de",
			Services: rathausv1alpha1.WorkspaceServices{Files: rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}},
		}},
		Release: release.BuiltIn(),
	}
	files := nextcloud.Component{}
	_, url, _ := files.Endpoint(in)
	endpoints := []stack.Endpoint{{Service: "files", URL: url, Version: files.Version(in), ConditionType: files.ConditionType()}}
	previous := []rathausv1alpha1.ServiceStatus{{Name: "files", Version: "33.0.7"}}
	cond := func(s metav1.ConditionStatus) []metav1.Condition {
		return []metav1.Condition{{Type: "FilesReady", Status: s}}
	}

	upgrading := serviceStatuses(endpoints, cond(metav1.ConditionFalse), previous)
	if len(upgrading) != 1 || upgrading[0].Version != "33.0.7" || upgrading[0].Ready != metav1.ConditionFalse || upgrading[0].URL != "https://files.kiel.de" {
		t.Fatalf("while not Ready: %+v, want the previous version 33.0.7", upgrading)
	}
	done := serviceStatuses(endpoints, cond(metav1.ConditionTrue), previous)
	if done[0].Version != "34.0.2" {
		t.Fatalf("once Ready: version %q, want the release's 34.0.2", done[0].Version)
	}
	fresh := serviceStatuses(endpoints, nil, nil)
	if fresh[0].Version != "" || fresh[0].Ready != metav1.ConditionUnknown {
		t.Fatalf("never seen: %+v", fresh[0])
	}
}

func TestResultFor(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name         string
		outcome      status.Outcome
		requeueAfter time.Duration
		terminal     bool
		err          error
	}{
		{name: "done", outcome: status.Outcome{}},
		{name: "transient error is retried with backoff", outcome: status.Outcome{Err: boom}, err: boom},
		{name: "stalled waits for a watched change", outcome: status.Outcome{Stalled: &status.Problem{Reason: "DomainConflict"}}, terminal: true},
		{name: "stalled by something unwatched looks again", outcome: status.Outcome{Stalled: &status.Problem{Reason: "PlatformSecretMissing", Unwatched: true}}, requeueAfter: unwatchedRecheck},
		{name: "waiting has a safety net", outcome: status.Outcome{Waiting: []string{"files"}}, requeueAfter: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := resultFor(tt.outcome)
			if res.RequeueAfter != tt.requeueAfter {
				t.Errorf("RequeueAfter = %v, want %v", res.RequeueAfter, tt.requeueAfter)
			}
			if got := errors.Is(err, reconcile.TerminalError(nil)); got != tt.terminal {
				t.Errorf("terminal = %v (err %v), want %v", got, err, tt.terminal)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

// countingReporter counts how often it is asked for its report.
type countingReporter struct {
	name  string
	asked *int
}

func (c countingReporter) Name() string                               { return c.name }
func (countingReporter) Render(stack.Inputs) ([]client.Object, error) { return nil, nil }
func (c countingReporter) ReportStatus(stack.Inputs, time.Time, *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	*c.asked++
}

// inputsOnlyReporter is a countingReporter whose report depends on the inputs alone.
type inputsOnlyReporter struct{ countingReporter }

func (inputsOnlyReporter) ReportsFromInputsOnly() {}

// TestSettledInputsAskNoReporterOfTheInputsAlone: while the status holds what reporters of the
// inputs alone say of the current inputs, they are not asked; reporters that read the clock
// always are, and every reporter is asked otherwise.
func TestSettledInputsAskNoReporterOfTheInputsAlone(t *testing.T) {
	for _, reported := range []bool{false, true} {
		var clockAsked, inputsAsked int
		components := []stack.Component{
			countingReporter{"backup", &clockAsked},
			inputsOnlyReporter{countingReporter{"credentials", &inputsAsked}},
		}
		reportComponents(components, stack.Inputs{}, time.Now(), &rathausv1alpha1.MunicipalityWorkspaceStatus{}, reported)
		wantInputs := 1
		if reported {
			wantInputs = 0
		}
		if clockAsked != 1 || inputsAsked != wantInputs {
			t.Errorf("reported %v: the clock's reporter asked %d times (want 1), the inputs' %d (want %d)", reported, clockAsked, inputsAsked, wantInputs)
		}
	}
	if _, ok := any(backup.Component{}).(stack.InputsOnlyReporter); ok {
		t.Error("the backup component reports next schedule times from the clock; it must be asked on every reconcile")
	}
	if _, ok := any(gaiax.Component{}).(stack.InputsOnlyReporter); !ok {
		t.Error("the Gaia-X component signs its summary on every settled reconcile")
	}
}
