package main

import (
	"sort"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

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
