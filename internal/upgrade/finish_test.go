package upgrade

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// finished is what the tests compare of an outcome.
type finished struct {
	Current         string
	Components      string
	Step            string
	History         string
	Reason, Message string
	Stalled         string
	Finished        bool
	Events          []string
	Counts          []StepResult
	RequeueAfter    time.Duration
}

func outcomeSummary(o Outcome) finished {
	got := finished{Reason: o.Reason, Message: o.Message, Finished: o.Finished, Counts: o.Counts, RequeueAfter: o.RequeueAfter}
	u := o.Status
	got.Current = u.Current
	for _, c := range u.Components {
		if c.Name == "nextcloud" {
			got.Components = c.Version
		}
	}
	if u.Step != nil {
		got.Step = u.Step.From + "→" + u.Step.To
		if u.Step.Halted {
			got.Step += " halted"
		}
	}
	var history []string
	for _, h := range u.History {
		history = append(history, fmt.Sprintf("%s→%s %s: %s", h.From, h.To, h.Result, h.Message))
	}
	got.History = strings.Join(history, "; ")
	if o.Stalled != nil {
		got.Stalled = o.Stalled.Reason + ": " + o.Stalled.Message
	}
	for _, e := range o.Events {
		got.Events = append(got.Events, e.Type+" "+e.Reason+" "+e.Message)
	}
	return got
}

func TestFinish(t *testing.T) {
	// inStep is the decision of a workspace whose step from 2026.9.0 to 2026.10.0 has been
	// under way for ago; the step to 2026.11.0 would follow.
	inStep := func(target rathausv1alpha1.StackRelease, ago time.Duration) Decision {
		return Decide(facts(targeting(target), func(f *Facts) {
			f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeUpgrading, ago)
			f.Catalog = append(f.Catalog, rel("2026.12.0", false, both, "nextcloud=34.0.3-apache", "valkey=9.0.4"))
		}))
	}
	next := rel("2026.12.0", false, both, "nextcloud=34.0.3-apache", "valkey=9.0.4")
	installing := Decide(facts(func(f *Facts) { f.Status, f.Applied = nil, "" }))
	refused := Decide(facts(targeting(relDown)))
	haltedBackingUp := Decide(facts(targeting(relC), func(f *Facts) {
		f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Hour, "data-pre-2026-10-0")
		f.Backup = &Backup{Cause: "VolumeSnapshot data-pre-2026-10-0 to be ready to use"}
	}))
	componentFailed := &Problem{Reason: rathausv1alpha1.ReasonComponentFailed, Message: "files: setup Job failed"}
	halt := func(cause string) string {
		return "upgrade step from 2026.9.0 to 2026.10.0 (nextcloud) halted: not healthy on the new release within 30m0s: " + cause +
			"; the step resumes by itself once the stack is healthy, see docs/upgrades.md to restore from the pre-upgrade snapshots"
	}
	downgrade := "release 2026.11.0 would take nextcloud back from 33.0.7-apache to 32.0.13-apache; data migrations are not reversible, so downgrades are never done automatically"

	tests := []struct {
		name     string
		decision Decision
		health   Health
		want     finished
	}{
		{
			name:     "a stack not applied leaves the decision as it is",
			decision: inStep(relC, time.Hour),
			want:     finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.9.0 to 2026.10.0"},
		},
		{
			name:     "a new workspace healthy on its release runs it",
			decision: installing, health: Health{Applied: "2026.9.0"},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Reason: rathausv1alpha1.ReasonUpToDate, Message: "the workspace runs release 2026.9.0"},
		},
		{
			name:     "a new workspace still coming up is installing",
			decision: installing, health: Health{Applied: "2026.9.0", Waiting: []string{"files: 0 of 1 replicas available"}},
			want: finished{Reason: rathausv1alpha1.ReasonInstalling, Message: "installing release 2026.9.0"},
		},
		{
			name:     "a healthy step succeeds, and the next one follows at once",
			decision: inStep(next, time.Minute), health: Health{Applied: "2026.10.0"},
			want: finished{Current: "2026.10.0", Components: "34.0.2-apache", History: "2026.9.0→2026.10.0 Succeeded: changed nextcloud",
				Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "release 2026.10.0 is healthy", Finished: true, RequeueAfter: time.Second,
				Events: []string{"Normal UpgradeStepSucceeded Upgrade step from 2026.9.0 to 2026.10.0 succeeded"}, Counts: []StepResult{StepSucceeded}},
		},
		{
			name:     "a healthy last step brings the workspace up to date",
			decision: inStep(relC, time.Minute), health: Health{Applied: "2026.10.0"},
			want: finished{Current: "2026.10.0", Components: "34.0.2-apache", History: "2026.9.0→2026.10.0 Succeeded: changed nextcloud",
				Reason: rathausv1alpha1.ReasonUpToDate, Message: "the workspace runs release 2026.10.0", Finished: true, RequeueAfter: time.Second,
				Events: []string{"Normal UpgradeStepSucceeded Upgrade step from 2026.9.0 to 2026.10.0 succeeded"}, Counts: []StepResult{StepSucceeded}},
		},
		{
			name:     "a step still coming up is looked at again when it times out",
			decision: inStep(relC, 10*time.Minute), health: Health{Applied: "2026.10.0", Waiting: []string{"files: 0 of 1 replicas available"}},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress,
				Message: "upgrading from 2026.9.0 to 2026.10.0", RequeueAfter: 20*time.Minute + time.Second},
		},
		{
			name: "a step still coming up keeps a sooner requeue",
			decision: func() Decision {
				d := inStep(relC, 10*time.Minute)
				d.RequeueAfter = time.Minute
				return d
			}(),
			health: Health{Applied: "2026.10.0", Waiting: []string{"files: 0 of 1 replicas available"}},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress,
				Message: "upgrading from 2026.9.0 to 2026.10.0", RequeueAfter: time.Minute},
		},
		{
			name:     "a step unhealthy past the timeout halts",
			decision: inStep(relC, time.Hour), health: Health{Applied: "2026.10.0", Waiting: []string{"files: 0 of 1 replicas available", "baseline: x"}},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0 halted",
				History: "2026.9.0→2026.10.0 Failed: " + halt("files: 0 of 1 replicas available; baseline: x"),
				Reason:  rathausv1alpha1.ReasonUpgradeHalted, Message: halt("files: 0 of 1 replicas available; baseline: x"),
				Stalled: rathausv1alpha1.ReasonUpgradeHalted + ": " + halt("files: 0 of 1 replicas available; baseline: x"), Counts: []StepResult{StepFailed}},
		},
		{
			name:     "a halt names a failed component and stalls in its place",
			decision: inStep(relC, time.Hour), health: Health{Applied: "2026.10.0", Stalled: componentFailed},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0 halted",
				History: "2026.9.0→2026.10.0 Failed: " + halt("files: setup Job failed"),
				Reason:  rathausv1alpha1.ReasonUpgradeHalted, Message: halt("files: setup Job failed"),
				Stalled: rathausv1alpha1.ReasonUpgradeHalted + ": " + halt("files: setup Job failed"), Counts: []StepResult{StepFailed}},
		},
		{
			name:     "a refused plan stalls a healthy workspace",
			decision: refused, health: Health{Applied: "2026.8.0"},
			want: finished{Current: "2026.8.0", Components: "33.0.7-apache", Reason: rathausv1alpha1.ReasonDowngradeRefused, Message: downgrade,
				Stalled: rathausv1alpha1.ReasonDowngradeRefused + ": " + downgrade},
		},
		{
			name:     "a refused plan leaves a stack's own problem in place",
			decision: refused, health: Health{Applied: "2026.8.0", Stalled: componentFailed},
			want: finished{Current: "2026.8.0", Components: "33.0.7-apache", Reason: rathausv1alpha1.ReasonDowngradeRefused, Message: downgrade},
		},
		{
			name:     "a step halted while backing up stalls once the stack is applied",
			decision: haltedBackingUp, health: Health{Applied: "2026.9.0"},
			want: finished{Current: "2026.9.0", Components: "33.0.7-apache", Step: "2026.9.0→2026.10.0 halted",
				History: "2026.9.0→2026.10.0 Failed: " + haltedBackingUp.Message, Reason: rathausv1alpha1.ReasonUpgradeHalted, Message: haltedBackingUp.Message,
				Stalled: rathausv1alpha1.ReasonUpgradeHalted + ": " + haltedBackingUp.Message, Counts: []StepResult{StepFailed}, RequeueAfter: backupPoll},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.decision.Status.DeepCopy()
			if got := outcomeSummary(Finish(tt.decision, tt.health)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("finished\n %+v\nwant\n %+v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.decision.Status, before) {
				t.Errorf("Finish changed the decision's status")
			}
		})
	}
}

func TestOutcomeCondition(t *testing.T) {
	for _, tt := range []struct {
		reason string
		want   metav1.ConditionStatus
	}{
		{rathausv1alpha1.ReasonUpToDate, metav1.ConditionTrue},
		{rathausv1alpha1.ReasonInstalling, metav1.ConditionFalse},
		{rathausv1alpha1.ReasonUpgradeHalted, metav1.ConditionFalse},
	} {
		c := Outcome{Reason: tt.reason, Message: "m"}.Condition(3)
		want := metav1.Condition{Type: rathausv1alpha1.ConditionUpToDate, Status: tt.want, Reason: tt.reason, Message: "m", ObservedGeneration: 3}
		if c != want {
			t.Errorf("%s: %+v, want %+v", tt.reason, c, want)
		}
	}
}

func TestRecordKeepsTheNewestTen(t *testing.T) {
	var history []rathausv1alpha1.UpgradeRecord
	for i := range 12 {
		history = record(history, rathausv1alpha1.UpgradeRecord{To: fmt.Sprintf("2026.%d.0", i+1)})
	}
	if len(history) != historyLimit {
		t.Fatalf("%d records, want %d", len(history), historyLimit)
	}
	if history[0].To != "2026.12.0" || history[9].To != "2026.3.0" {
		t.Fatalf("history runs from %s to %s, want 2026.12.0 to 2026.3.0", history[0].To, history[9].To)
	}
}
