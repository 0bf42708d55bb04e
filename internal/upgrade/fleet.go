package upgrade

import (
	"fmt"
	"slices"
	"strings"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"

	"github.com/rathaus-io/rathaus/internal/release"
)

// Member is one workspace of a platform, as far as upgrade waves care.
type Member struct {
	// Name is namespace/name.
	Name   string
	Canary bool
	// Upgrading: a step is under way (it holds one of the platform's slots).
	Upgrading bool
	// Current is the release the workspace last ran healthily in full; Target the one it
	// should run.
	Current, Target string
	// Ready is the workspace's Ready condition; Since is when it became Ready, or when it
	// finished moving to Current, whichever is later.
	Ready bool
	Since time.Time
}

// Policy is the platform's limits.
type Policy struct {
	MaxConcurrent int
	Soak          time.Duration
}

// Gate says whether a step may start now; when not, why, and when it is worth asking again
// (zero: when something in the fleet changes).
type Gate struct {
	Allowed bool
	Reason  string
	Message string
	RetryAt time.Time
}

// MayStart decides whether self may start a step to release to, given the platform's other
// workspaces. A workspace already in a step keeps its slot. At most MaxConcurrent workspaces
// are in a step at once. Canaries go first; the others wait for a release until every canary
// heading to it or beyond runs it (or a newer one) and has been Ready on it for the soak
// time. A canary that halts therefore stops the wave. Waiting for canaries is reported before
// waiting for a slot, since it lasts longer.
func MayStart(self Member, to string, fleet []Member, p Policy, now time.Time) Gate {
	if self.Upgrading {
		return Gate{Allowed: true}
	}
	if !self.Canary {
		if g := waitForCanaries(self, to, fleet, p, now); !g.Allowed {
			return g
		}
	}
	busy := 0
	for _, m := range fleet {
		if m.Name != self.Name && m.Upgrading {
			busy++
		}
	}
	if busy >= p.MaxConcurrent {
		return Gate{Reason: rathausv1alpha1.ReasonWaitingForSlot, Message: fmt.Sprintf("%d of %d upgrades the platform allows at once are under way", busy, p.MaxConcurrent)}
	}
	return Gate{Allowed: true}
}

// waitForCanaries holds a workspace that is no canary back until the canaries vouch for to.
func waitForCanaries(self Member, to string, fleet []Member, p Policy, now time.Time) Gate {
	var waiting []string
	var retry time.Time
	for _, c := range fleet {
		if !c.Canary || c.Name == self.Name || c.Target == "" || release.Compare(c.Target, to) < 0 {
			continue
		}
		if release.Compare(c.Current, to) > 0 {
			continue // it ran to and went on
		}
		if c.Current == to && c.Ready && !c.Upgrading {
			soaked := c.Since.Add(p.Soak)
			if !now.Before(soaked) {
				continue
			}
			if retry.IsZero() || soaked.Before(retry) {
				retry = soaked
			}
		}
		waiting = append(waiting, c.Name)
	}
	if len(waiting) == 0 {
		return Gate{Allowed: true}
	}
	slices.Sort(waiting)
	return Gate{
		Reason:  rathausv1alpha1.ReasonWaitingForCanaries,
		Message: fmt.Sprintf("waiting for canaries to run %s healthily for %s: %s", to, p.Soak, strings.Join(waiting, ", ")),
		RetryAt: retry,
	}
}
