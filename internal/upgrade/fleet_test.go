package upgrade

import (
	"testing"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestMayStart(t *testing.T) {
	now := utc("2026-12-05T02:00:00Z")
	policy := Policy{MaxConcurrent: 2, Soak: 24 * time.Hour}
	plain := Member{Name: "amt/ws", Current: "2026.8.0", Target: "2026.9.0"}
	canary := func(name, current string, ready bool, since time.Time) Member {
		return Member{Name: name, Canary: true, Current: current, Target: "2026.9.0", Ready: ready, Since: since}
	}
	upgrading := func(name string) Member {
		return Member{Name: name, Upgrading: true, Current: "2026.8.0", Target: "2026.9.0"}
	}
	tests := []struct {
		name   string
		self   Member
		fleet  []Member
		want   Gate
		policy *Policy
	}{
		{name: "alone", self: plain, fleet: []Member{plain}, want: Gate{Allowed: true}},
		{name: "a free slot", self: plain, fleet: []Member{plain, upgrading("a/ws")}, want: Gate{Allowed: true}},
		{
			name: "limit reached", self: plain, fleet: []Member{plain, upgrading("a/ws"), upgrading("b/ws")},
			want: Gate{Reason: rathausv1alpha1.ReasonWaitingForSlot, Message: "2 of 2 upgrades the platform allows at once are under way"},
		},
		{
			name: "limit reached for canaries too", self: canary("c/ws", "2026.8.0", true, now), fleet: []Member{upgrading("a/ws"), upgrading("b/ws")},
			want: Gate{Reason: rathausv1alpha1.ReasonWaitingForSlot, Message: "2 of 2 upgrades the platform allows at once are under way"},
		},
		{name: "a workspace in a step keeps its slot", self: upgrading("a/ws"), fleet: []Member{upgrading("a/ws"), upgrading("b/ws"), upgrading("c/ws")}, want: Gate{Allowed: true}},
		{name: "canary goes first", self: canary("c/ws", "2026.8.0", true, now), fleet: []Member{plain, canary("c/ws", "2026.8.0", true, now)}, want: Gate{Allowed: true}},
		{
			name: "the rest wait for a canary that has not moved", self: plain, fleet: []Member{plain, canary("c/ws", "2026.8.0", true, now)},
			want: Gate{Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: c/ws"},
		},
		{
			name: "the rest wait until the soak time is over", self: plain, fleet: []Member{plain, canary("c/ws", "2026.9.0", true, now.Add(-23*time.Hour))},
			want: Gate{Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: c/ws", RetryAt: now.Add(time.Hour)},
		},
		{
			name: "waiting for canaries is reported before waiting for a slot", self: plain,
			fleet: []Member{plain, {Name: "c/ws", Canary: true, Upgrading: true, Current: "2026.8.0", Target: "2026.9.0"}, upgrading("a/ws")},
			want:  Gate{Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: c/ws"},
		},
		{
			name: "soaked canaries and no slot", self: plain,
			fleet: []Member{plain, canary("c/ws", "2026.9.0", true, now.Add(-24*time.Hour)), upgrading("a/ws"), upgrading("b/ws")},
			want:  Gate{Reason: rathausv1alpha1.ReasonWaitingForSlot, Message: "2 of 2 upgrades the platform allows at once are under way"},
		},
		{name: "soaked canary lets the rest go", self: plain, fleet: []Member{plain, canary("c/ws", "2026.9.0", true, now.Add(-24*time.Hour))}, want: Gate{Allowed: true}},
		{
			name: "a canary that is not Ready holds the wave", self: plain, fleet: []Member{plain, canary("c/ws", "2026.9.0", false, now.Add(-48*time.Hour))},
			want: Gate{Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: c/ws"},
		},
		{
			name: "every canary heading there must have soaked", self: plain,
			fleet: []Member{plain, canary("d/ws", "2026.9.0", true, now.Add(-48*time.Hour)), canary("c/ws", "2026.9.0", true, now.Add(-2*time.Hour))},
			want:  Gate{Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: c/ws", RetryAt: now.Add(22 * time.Hour)},
		},
		{name: "a canary that went past the release vouches for it", self: plain, fleet: []Member{plain, canary("c/ws", "2026.11.0", true, now)}, want: Gate{Allowed: true}},
		{
			name: "canaries pinned below the release do not hold the wave", self: plain,
			fleet: []Member{plain, {Name: "c/ws", Canary: true, Current: "2026.8.0", Target: "2026.8.0", Ready: true}},
			want:  Gate{Allowed: true},
		},
		{
			name: "zero soak: healthy on the release is enough", self: plain, policy: &Policy{MaxConcurrent: 1, Soak: 0},
			fleet: []Member{plain, canary("c/ws", "2026.9.0", true, now)}, want: Gate{Allowed: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy != nil {
				p = *tt.policy
			}
			if got := MayStart(tt.self, "2026.9.0", tt.fleet, p, now); got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
