package controllers

import (
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

func TestMemberOf(t *testing.T) {
	finished := metav1.NewTime(time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC))
	readySince := metav1.NewTime(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC))
	ws := &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "workspace", Labels: map[string]string{rathausv1alpha1.CanaryLabel: "true"}},
		Status: rathausv1alpha1.MunicipalityWorkspaceStatus{
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, LastTransitionTime: readySince}},
			Upgrade: &rathausv1alpha1.UpgradeStatus{Current: "2026.9.0", Target: "2026.11.0", History: []rathausv1alpha1.UpgradeRecord{
				{To: "2026.9.0", Result: rathausv1alpha1.UpgradeSucceeded, FinishedAt: finished},
				{To: "2026.9.0", Result: rathausv1alpha1.UpgradeFailed},
			}},
		},
	}
	ws.Spec.Release = &rathausv1alpha1.ReleaseSelector{Channel: "rapid"}
	catalog := []rathausv1alpha1.StackRelease{
		{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2026.9.0", Channels: []string{"rapid"}}},
		{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2026.12.0", Channels: []string{"rapid"}}},
	}
	m := memberOf(ws, catalog)
	if m.Name != "kiel/workspace" || !m.Canary || m.Upgrading || !m.Ready || m.Current != "2026.9.0" || m.Target != "2026.12.0" {
		t.Fatalf("member %+v", m)
	}
	if !m.Since.Equal(finished.Time) {
		t.Fatalf("since %s, want the end of the step to the current release %s (later than Ready)", m.Since, finished)
	}
}

func TestPlatformUpgradesDefaults(t *testing.T) {
	timeout, soak, maxConcurrent := platformUpgrades(&rathausv1alpha1.WorkspacePlatform{})
	if timeout != 30*time.Minute || soak != 24*time.Hour || maxConcurrent != 10 {
		t.Fatalf("defaults %s %s %d", timeout, soak, maxConcurrent)
	}
	p := &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{Upgrades: rathausv1alpha1.PlatformUpgrades{
		MaxConcurrent: 3, CanarySoak: &rathausv1alpha1.Duration{}, StepTimeout: rathausv1alpha1.NewDuration(time.Hour),
	}}}
	timeout, soak, maxConcurrent = platformUpgrades(p)
	if timeout != time.Hour || soak != 0 || maxConcurrent != 3 {
		t.Fatalf("platform's %s %s %d", timeout, soak, maxConcurrent)
	}
	// Stored before the schema checked durations: the defaults, never a soak of zero.
	var stored rathausv1alpha1.PlatformUpgrades
	if err := json.Unmarshal([]byte(`{"canarySoak":"forever","stepTimeout":"later"}`), &stored); err != nil {
		t.Fatal(err)
	}
	timeout, soak, _ = platformUpgrades(&rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{Upgrades: stored}})
	if timeout != 30*time.Minute || soak != 24*time.Hour {
		t.Fatalf("unparsable durations gave %s %s, want the defaults", timeout, soak)
	}
}

func TestEveryStepResultIsCounted(t *testing.T) {
	for _, r := range []upgrade.StepResult{upgrade.StepStarted, upgrade.StepSucceeded, upgrade.StepFailed} {
		if got := stepCounted[r]; string(got) != string(r) {
			t.Errorf("step result %s is counted as %q", r, got)
		}
	}
}
