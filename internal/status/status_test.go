package status

import (
	"errors"
	"testing"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rathaus-io/rathaus/internal/health"
)

var (
	t1 = metav1.NewTime(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	t2 = metav1.NewTime(t1.Add(time.Minute))
)

type want struct {
	ready, reconciling, stalled string // "True", "False" or "" for absent
	readyReason                 string
	observed                    bool
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		outcome Outcome
		want    want
	}{
		{name: "ready", outcome: Outcome{}, want: want{ready: "True", readyReason: rathausv1alpha1.ReasonProvisioned, observed: true}},
		{name: "waiting", outcome: Outcome{Waiting: []string{"files", "baseline"}}, want: want{ready: "False", reconciling: "True", readyReason: rathausv1alpha1.ReasonProgressing, observed: true}},
		{name: "stalled", outcome: Outcome{Stalled: &Problem{Reason: "DomainConflict", Message: "m"}}, want: want{ready: "False", stalled: "True", readyReason: "DomainConflict", observed: true}},
		{name: "transient error keeps Ready", outcome: Outcome{Err: errors.New("boom")}, want: want{ready: "True", reconciling: "True", readyReason: rathausv1alpha1.ReasonProvisioned, observed: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from a Ready workspace that was once stalled, to check removals.
			conds := []metav1.Condition{}
			Apply(&conds, 1, Outcome{Stalled: &Problem{Reason: "X", Message: "y"}}, t1)
			Apply(&conds, 1, Outcome{}, t1)
			observed := Apply(&conds, 2, tt.outcome, t2)
			if observed != tt.want.observed {
				t.Errorf("observed = %v, want %v", observed, tt.want.observed)
			}
			for _, c := range []struct{ typ, want string }{{rathausv1alpha1.ConditionReady, tt.want.ready}, {rathausv1alpha1.ConditionReconciling, tt.want.reconciling}, {rathausv1alpha1.ConditionStalled, tt.want.stalled}} {
				got := ""
				if cond := meta.FindStatusCondition(conds, c.typ); cond != nil {
					got = string(cond.Status)
				}
				if got != c.want {
					t.Errorf("%s = %q, want %q", c.typ, got, c.want)
				}
			}
			if r := meta.FindStatusCondition(conds, rathausv1alpha1.ConditionReady); r.Reason != tt.want.readyReason {
				t.Errorf("Ready reason = %s, want %s", r.Reason, tt.want.readyReason)
			}
		})
	}
}

func TestApplyKeepsTransitionTimeWhenStatusIsUnchanged(t *testing.T) {
	var conds []metav1.Condition
	Apply(&conds, 1, Outcome{Waiting: []string{"a"}}, t1)
	Apply(&conds, 1, Outcome{Waiting: []string{"b"}}, t2)
	if got := meta.FindStatusCondition(conds, rathausv1alpha1.ConditionReady).LastTransitionTime; !got.Equal(&t1) {
		t.Fatalf("LastTransitionTime moved to %v although Ready stayed False", got)
	}
	Apply(&conds, 1, Outcome{}, t2)
	if got := meta.FindStatusCondition(conds, rathausv1alpha1.ConditionReady).LastTransitionTime; !got.Equal(&t2) {
		t.Fatalf("LastTransitionTime = %v, want %v after False -> True", got, t2)
	}
}

func TestApplyIsDeterministic(t *testing.T) {
	var a, b []metav1.Condition
	Apply(&a, 3, Outcome{Waiting: []string{"z", "a", "m"}}, t1)
	Apply(&b, 3, Outcome{Waiting: []string{"m", "z", "a"}}, t1)
	if len(a) != len(b) {
		t.Fatal("different condition count")
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("condition %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
	if a[0].Message != "waiting for a; m; z" {
		t.Fatalf("message = %q", a[0].Message)
	}
}

func TestApplyComponents(t *testing.T) {
	var conds []metav1.Condition
	ApplyComponents(&conds, 1, []health.Report{
		{Component: "files", ConditionType: "FilesReady", Status: health.Status{Ready: true}},
		{Component: "database", ConditionType: "DatabaseReady", Status: health.Status{Message: "StatefulSet x to be rolled out"}},
		{Component: "video", ConditionType: "VideoReady", Status: health.Status{Failed: true, Message: "Job y failed: BackoffLimitExceeded"}},
	}, []string{"FilesReady", "DatabaseReady", "VideoReady", "MediaReady"}, t1)
	conds = append(conds, metav1.Condition{Type: "MediaReady", Status: metav1.ConditionTrue})
	ApplyComponents(&conds, 1, []health.Report{
		{Component: "files", ConditionType: "FilesReady", Status: health.Status{Ready: true}},
		{Component: "database", ConditionType: "DatabaseReady", Status: health.Status{Message: "StatefulSet x to be rolled out"}},
		{Component: "video", ConditionType: "VideoReady", Status: health.Status{Failed: true, Message: "Job y failed: BackoffLimitExceeded"}},
	}, []string{"FilesReady", "DatabaseReady", "VideoReady", "MediaReady"}, t2)

	want := map[string]string{
		"FilesReady":    "True/Available/files is available",
		"DatabaseReady": "False/Progressing/waiting for StatefulSet x to be rolled out",
		"VideoReady":    "False/Failed/Job y failed: BackoffLimitExceeded",
	}
	if len(conds) != len(want) {
		t.Fatalf("conditions = %+v; MediaReady (not reported) must be removed", conds)
	}
	for typ, w := range want {
		c := meta.FindStatusCondition(conds, typ)
		if c == nil || string(c.Status)+"/"+c.Reason+"/"+c.Message != w {
			t.Errorf("%s = %+v, want %s", typ, c, w)
		}
		if !c.LastTransitionTime.Equal(&t1) {
			t.Errorf("%s transition time moved although its status did not change", typ)
		}
	}
}

func TestOutcomeOf(t *testing.T) {
	ready := health.Report{Component: "files", Status: health.Status{Ready: true}}
	waiting := health.Report{Component: "database", Status: health.Status{Message: "StatefulSet x to be rolled out"}}
	failed := health.Report{Component: "video", Status: health.Status{Failed: true, Message: "Job y failed: DeadlineExceeded"}}

	if o := OutcomeOf([]health.Report{ready}); o.Stalled != nil || len(o.Waiting) != 0 {
		t.Errorf("all ready: %+v", o)
	}
	if o := OutcomeOf([]health.Report{ready, waiting}); len(o.Waiting) != 1 || o.Waiting[0] != "database: StatefulSet x to be rolled out" {
		t.Errorf("waiting: %+v", o)
	}
	o := OutcomeOf([]health.Report{waiting, failed})
	if o.Stalled == nil || o.Stalled.Reason != rathausv1alpha1.ReasonComponentFailed || o.Stalled.Message != "video: Job y failed: DeadlineExceeded" {
		t.Errorf("failed: %+v", o)
	}
}

func TestSetCondition(t *testing.T) {
	existing := metav1.Condition{Type: "DataResidency", Status: metav1.ConditionTrue, Reason: "Enforced", Message: "m", ObservedGeneration: 1, LastTransitionTime: t1}
	tests := []struct {
		name        string
		set         metav1.Condition
		wantTime    metav1.Time
		wantChanged bool
	}{
		{name: "new", set: metav1.Condition{Type: "Compliance", Status: metav1.ConditionFalse, Reason: "R", Message: "m"}, wantTime: t2, wantChanged: true},
		{name: "unchanged", set: existing, wantTime: t1},
		{name: "same status, new reason keeps the transition time", set: metav1.Condition{Type: "DataResidency", Status: metav1.ConditionTrue, Reason: "Unrestricted", Message: "n", ObservedGeneration: 2}, wantTime: t1, wantChanged: true},
		{name: "status changes", set: metav1.Condition{Type: "DataResidency", Status: metav1.ConditionFalse, Reason: "NoAllowedNodes", Message: "n"}, wantTime: t2, wantChanged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conds := []metav1.Condition{existing, {Type: "Alpha", Status: metav1.ConditionTrue, Reason: "A", LastTransitionTime: t1}}
			if changed := SetCondition(&conds, tt.set, t2); changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			got := meta.FindStatusCondition(conds, tt.set.Type)
			want := tt.set
			want.LastTransitionTime = tt.wantTime
			if *got != want {
				t.Errorf("condition %+v, want %+v", *got, want)
			}
			if conds[0].Type != "DataResidency" || conds[1].Type != "Alpha" {
				t.Errorf("the conditions there were moved: %s, %s", conds[0].Type, conds[1].Type)
			}
		})
	}
}
