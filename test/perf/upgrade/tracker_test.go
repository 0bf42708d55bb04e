package main

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func ws(name string, step *rathausv1alpha1.UpgradeStep, history ...rathausv1alpha1.UpgradeRecord) *rathausv1alpha1.MunicipalityWorkspace {
	w := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: name}}
	w.Status.Upgrade = &rathausv1alpha1.UpgradeStatus{Step: step, History: history}
	return w
}

func step(to string, start time.Time, halted bool) *rathausv1alpha1.UpgradeStep {
	return &rathausv1alpha1.UpgradeStep{To: to, Phase: rathausv1alpha1.UpgradeUpgrading, StartedAt: metav1.NewTime(start), Halted: halted}
}

func TestTrackerCountsWorkspacesInAStep(t *testing.T) {
	tr := newTracker()
	seq := []struct {
		ws   *rathausv1alpha1.MunicipalityWorkspace
		want int
	}{
		{ws("a", step("2026.9.0", t0, false)), 1},
		{ws("b", step("2026.9.0", t0, false)), 2},
		// A second state of the same step is still one workspace.
		{ws("a", step("2026.9.0", t0, false)), 2},
		{ws("a", nil), 1},
		{ws("c", step("2026.9.0", t0, true)), 2},
		{ws("a", step("2026.11.0", t0.Add(time.Minute), false)), 3},
		{ws("b", nil), 2},
		{ws("c", nil), 1},
	}
	for i, s := range seq {
		if got := tr.observe(s.ws, t0.Add(time.Duration(i)*time.Second)); got != s.want {
			t.Errorf("event %d: %d workspaces in a step, want %d", i, got, s.want)
		}
	}
	if tr.peak != 3 || !tr.peakAt.Equal(t0.Add(5*time.Second)) {
		t.Errorf("peak %d at %s, want 3 at event 5", tr.peak, tr.peakAt)
	}
	if len(tr.halted) != 1 || !tr.halted["c/c to 2026.9.0"] {
		t.Errorf("halted %v, want c's step to 2026.9.0", tr.halted)
	}
	tr.forget("a", "a")
	if len(tr.inStep) != 0 {
		t.Errorf("after forgetting a, %d in a step", len(tr.inStep))
	}
}

func TestStepCountsAndDurations(t *testing.T) {
	since := t0
	rec := func(to string, result rathausv1alpha1.UpgradeResult, at time.Time) rathausv1alpha1.UpgradeRecord {
		return rathausv1alpha1.UpgradeRecord{To: to, Result: result, FinishedAt: metav1.NewTime(at)}
	}
	tr := newTracker()
	tr.observe(ws("a", step("2026.9.0", t0.Add(time.Second), false)), t0)
	tr.observe(ws("a", step("2026.11.0", t0.Add(11*time.Second), false)), t0)
	tr.observe(ws("b", step("2026.9.0", t0.Add(2*time.Second), false)), t0)
	list := []rathausv1alpha1.MunicipalityWorkspace{
		*ws("a", nil, rec("2026.11.0", rathausv1alpha1.UpgradeSucceeded, t0.Add(41*time.Second)),
			rec("2026.9.0", rathausv1alpha1.UpgradeSucceeded, t0.Add(11*time.Second)),
			// Before the benchmark: not counted.
			rec("2026.8.0", rathausv1alpha1.UpgradeSucceeded, t0.Add(-time.Hour))),
		*ws("b", nil, rec("2026.9.0", rathausv1alpha1.UpgradeFailed, t0.Add(22*time.Second))),
	}
	ok, failed := stepCounts(list, since)
	if ok != 2 || failed != 1 {
		t.Errorf("stepCounts = %d succeeded, %d failed; want 2, 1", ok, failed)
	}
	got := tr.stepDurations(list, since)
	want := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("durations %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("durations %v, want %v", got, want)
		}
	}
	if p := percentile(got, 50); p != 20*time.Second {
		t.Errorf("p50 = %s, want 20s", p)
	}
	if p := percentile(got, 100); p != 30*time.Second {
		t.Errorf("p100 = %s, want 30s", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Errorf("p50 of nothing = %s, want 0", p)
	}
}

func TestParseSteps(t *testing.T) {
	body := []byte(`# HELP rathaus_upgrade_steps_total Upgrade steps of workspaces by result.
# TYPE rathaus_upgrade_steps_total counter
rathaus_upgrade_steps_total{result="failed"} 0
rathaus_upgrade_steps_total{result="started"} 400
rathaus_upgrade_steps_total{result="succeeded"} 398
rathaus_workspaces{phase="Ready"} 7
`)
	got := parseSteps(body)
	if len(got) != 3 || got["started"] != 400 || got["succeeded"] != 398 || got["failed"] != 0 {
		t.Errorf("parseSteps = %v", got)
	}
}

func TestTrackerReportsAStepThatStatusSaysIsWaiting(t *testing.T) {
	tr := newTracker()
	w := ws("a", step("2026.9.0", t0, false))
	w.Status.Conditions = []metav1.Condition{{Type: "UpToDate", Status: metav1.ConditionFalse, Reason: "UpgradeInProgress"}}
	tr.observe(w, t0)
	if len(tr.contradictions) != 0 {
		t.Fatalf("a step in progress is no contradiction: %v", tr.contradictions)
	}
	w.Status.Conditions[0].Reason = "WaitingForSlot"
	tr.observe(w, t0)
	if len(tr.contradictions) != 1 {
		t.Fatalf("a step while waiting for a slot: contradictions %v, want one", tr.contradictions)
	}
}
