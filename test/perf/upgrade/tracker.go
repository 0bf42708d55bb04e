package main

import (
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// waitingToStart are the UpToDate reasons of a workspace that is in no step.
var waitingToStart = map[string]bool{"UpToDate": true, "WaitingForSlot": true, "WaitingForWindow": true, "WaitingForCanaries": true, "WaitingForBackup": true}

// contradiction says what in a workspace's status contradicts the step it is in, if anything.
func contradiction(ws *rathausv1alpha1.MunicipalityWorkspace, step *rathausv1alpha1.UpgradeStep) string {
	if c := meta.FindStatusCondition(ws.Status.Conditions, "UpToDate"); c != nil && waitingToStart[c.Reason] {
		return fmt.Sprintf("in the step to %s, but UpToDate says %s: %s", step.To, c.Reason, c.Message)
	}
	return ""
}

// tracker follows the benchmark's workspaces through the watch, in the API server's order of
// events, and keeps the figures: how many are in a step at once (a step in status.upgrade.step,
// halted or not, holds a slot of the platform's limit), the peak of that, halts seen, and
// when each step started and finished.
type tracker struct {
	// inStep is the step each workspace is in, by namespace/name.
	inStep map[string]rathausv1alpha1.UpgradeStep
	peak   int
	// peakAt is the first time the peak was seen.
	peakAt time.Time
	// halted are the steps seen halted, as "namespace/name to release".
	halted map[string]bool
	// started holds when each step (namespace/name to release) began, from the step's
	// startedAt of its Upgrading phase.
	started map[string]time.Time
	events  int
	// contradictions are states in which a workspace is in a step while its UpToDate condition
	// says it is in none (up to date, or waiting to start one): a reconcile decided on an older
	// state of the workspace than the one its status patch landed on.
	contradictions []string
}

func newTracker() *tracker {
	return &tracker{inStep: map[string]rathausv1alpha1.UpgradeStep{}, halted: map[string]bool{}, started: map[string]time.Time{}}
}

// observe takes one state of a workspace, seen at now; it returns how many workspaces are in
// a step after it.
func (t *tracker) observe(ws *rathausv1alpha1.MunicipalityWorkspace, now time.Time) int {
	t.events++
	key := ws.Namespace + "/" + ws.Name
	var step *rathausv1alpha1.UpgradeStep
	if ws.Status.Upgrade != nil {
		step = ws.Status.Upgrade.Step
	}
	if step == nil {
		delete(t.inStep, key)
	} else {
		t.inStep[key] = *step
		id := key + " to " + step.To
		if step.Halted {
			t.halted[id] = true
		}
		if _, ok := t.started[id]; !ok {
			t.started[id] = step.StartedAt.Time
		}
		if c := contradiction(ws, step); c != "" {
			t.contradictions = append(t.contradictions, fmt.Sprintf("%s (resourceVersion %s): %s", key, ws.ResourceVersion, c))
		}
	}
	if n := len(t.inStep); n > t.peak {
		t.peak, t.peakAt = n, now
	}
	return len(t.inStep)
}

// forget drops a workspace that was deleted.
func (t *tracker) forget(namespace, name string) { delete(t.inStep, namespace+"/"+name) }

// stepDurations are the durations of the finished steps recorded in the workspaces' history
// since a time, from the start the tracker saw to the history's finishedAt, sorted.
func (t *tracker) stepDurations(list []rathausv1alpha1.MunicipalityWorkspace, since time.Time) []time.Duration {
	var out []time.Duration
	for i := range list {
		ws := &list[i]
		if ws.Status.Upgrade == nil {
			continue
		}
		for _, rec := range ws.Status.Upgrade.History {
			if rec.FinishedAt.Time.Before(since) {
				continue
			}
			if start, ok := t.started[ws.Namespace+"/"+ws.Name+" to "+rec.To]; ok {
				out = append(out, rec.FinishedAt.Sub(start))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// stepCounts counts the finished steps in the workspaces' history since a time, by result.
func stepCounts(list []rathausv1alpha1.MunicipalityWorkspace, since time.Time) (succeeded, failed int) {
	for i := range list {
		if list[i].Status.Upgrade == nil {
			continue
		}
		for _, rec := range list[i].Status.Upgrade.History {
			if rec.FinishedAt.Time.Before(since) {
				continue
			}
			switch rec.Result {
			case rathausv1alpha1.UpgradeSucceeded:
				succeeded++
			case rathausv1alpha1.UpgradeFailed:
				failed++
			}
		}
	}
	return succeeded, failed
}

// percentile is the p-th percentile (0 to 100) of sorted durations, nearest rank; 0 without any.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
