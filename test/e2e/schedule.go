package e2e

import (
	"math/rand/v2"
	"time"
)

// plan is what one phase of the campaign does, drawn from the seed before it starts, so a run
// can be repeated: how long the operator runs before each kill, how long it stays down after
// it, and after which kill the API server is disrupted (-1: not in this phase).
type plan struct {
	runs       []time.Duration
	pauses     []time.Duration
	disruptAt  int
	batchSizes []int // workspaces created or repinned before each kill
}

// schedule draws the kills of a phase: kills run times uniformly in [minRun, maxRun) (a
// random moment of the operator's work: starting, syncing its caches, reconciling), each
// followed by a pause of up to maxPause; half the restarts are immediate. The n workspaces of
// the phase are spread over its kills, so that workspaces are provisioned or upgraded while
// the kills happen. With disrupt, the API server is disrupted after a kill in the
// middle third of the phase.
func schedule(rng *rand.Rand, kills, n int, minRun, maxRun, maxPause time.Duration, disrupt bool) plan {
	p := plan{disruptAt: -1}
	for range kills {
		p.runs = append(p.runs, minRun+time.Duration(rng.Int64N(int64(maxRun-minRun))))
		pause := time.Duration(0)
		if rng.IntN(2) == 1 {
			pause = time.Duration(rng.Int64N(int64(maxPause)))
		}
		p.pauses = append(p.pauses, pause)
	}
	// Workspaces go out evenly over all kills, the last batch just before the last kill, so
	// that kills hit provisioning and upgrading under way to the end, not a settled fleet.
	p.batchSizes = make([]int, kills)
	for i := range kills {
		p.batchSizes[i] = (i+1)*n/kills - i*n/kills
	}
	if disrupt && kills > 0 {
		third := kills / 3
		p.disruptAt = third + rng.IntN(max(1, kills-2*third))
	}
	return p
}
