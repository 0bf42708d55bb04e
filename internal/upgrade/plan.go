package upgrade

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
)

// Versions are the versions (image tags) of a stack by release component name.
type Versions map[string]string

// VersionsOf returns the versions of a release's components.
func VersionsOf(r *rathausv1alpha1.StackRelease) Versions {
	out := Versions{}
	for _, c := range r.Spec.Components {
		out[c.Name] = c.Version
	}
	return out
}

// Change is one component moving to another version in a step; From is empty for a component
// the step adds.
type Change struct {
	Component string
	From, To  string
	// Stateful: the component keeps data that the new version migrates.
	Stateful bool
}

// Step applies one release.
type Step struct {
	Release *rathausv1alpha1.StackRelease
	// Changes are the components whose version the step changes, sorted by name.
	Changes []Change
}

// Stateful reports whether the step changes a component that keeps data (database schemas,
// data directories, indexes, mail stores): such a step needs a backup first, and going back
// is never automatic.
func (s Step) Stateful() bool {
	return slices.ContainsFunc(s.Changes, func(c Change) bool { return c.Stateful })
}

// Request is what a plan is computed from.
type Request struct {
	// Running are the versions the workspace runs now.
	Running Versions
	// Current is the release the workspace runs now; mandatory stops after it must be passed.
	Current string
	// Target is the release the workspace should run.
	Target *rathausv1alpha1.StackRelease
	// Catalog holds the releases that may be passed through (the cluster's and the built-in).
	Catalog []rathausv1alpha1.StackRelease
	// Rules are what each component's upstream allows (desired.ReleaseComponents).
	Rules Rulebook
	// Channel is the channel the workspace follows: releases in between are taken from it, and
	// from mandatory stops of any channel. Empty for a pinned workspace: any release may be
	// passed through.
	Channel string
}

// RefusedError says why no plan reaches the target and which component is in the way.
// Retrying does not help; a change of the target or the catalog does.
type RefusedError struct {
	Reason    string
	Component string
	From, To  string
	Message   string
}

func (e *RefusedError) Error() string { return e.Message }

// Plan returns the steps that move a workspace from what it runs to req.Target, in order;
// none when it runs the target already. Each step moves every component only as far as its
// upstream allows (req.Rules), no step skips a mandatory stop after the current release, and the
// plan has as few steps as the catalog allows. A target that would take a component back, or
// change it in a way never done implicitly, or that the catalog cannot bridge, is refused with
// a *RefusedError.
func Plan(req Request) ([]Step, error) {
	target := req.Target
	if req.Current == target.Spec.Version && maps.Equal(req.Running, VersionsOf(target)) {
		return nil, nil
	}
	// What no path can fix is refused first, naming the component.
	if err := req.Rules.refuseDirect(req.Running, target); err != nil {
		return nil, err
	}

	nodes := between(req)
	stops := map[string]bool{}
	for _, n := range nodes {
		if n.Spec.MandatoryStop {
			stops[n.Spec.Version] = true
		}
	}
	nodes = append(nodes, target)

	// Breadth-first over releases in ascending order: the first path found has the fewest
	// steps; trying far releases first makes it take the biggest steps early.
	queue := []visit{{state: req.Running, at: req.Current, parent: -1, node: -1}}
	seen := map[int]bool{}
	for i := 0; i < len(queue); i++ {
		cur := queue[i]
		for j := len(nodes) - 1; j >= 0; j-- {
			n := nodes[j]
			if seen[j] || (cur.node >= 0 && j <= cur.node) || skipsStop(cur.at, n.Spec.Version, stops) {
				continue
			}
			if _, _, v := req.Rules.blocking(cur.state, n); v != Allowed {
				continue
			}
			seen[j] = true
			queue = append(queue, visit{state: overlay(cur.state, n), at: n.Spec.Version, parent: i, node: j})
			if j == len(nodes)-1 {
				return req.Rules.steps(queue, req.Running, nodes), nil
			}
		}
	}
	return nil, unreachable(req, target, stops)
}

// between returns the releases a plan may pass through, ascending: after the current
// release, before the target, of the followed channel or mandatory stops.
func between(req Request) []*rathausv1alpha1.StackRelease {
	var out []*rathausv1alpha1.StackRelease
	seen := map[string]bool{}
	for i := range req.Catalog {
		r := &req.Catalog[i]
		v := r.Spec.Version
		if seen[v] || release.Compare(v, req.Target.Spec.Version) >= 0 || req.Current != "" && release.Compare(v, req.Current) <= 0 {
			continue
		}
		if req.Channel != "" && !r.Spec.MandatoryStop && !slices.Contains(r.Spec.Channels, req.Channel) {
			continue
		}
		seen[v] = true
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *rathausv1alpha1.StackRelease) int { return release.Compare(a.Spec.Version, b.Spec.Version) })
	return out
}

// skipsStop reports whether going from release from to release to jumps over a mandatory
// stop. Without a known current release no stop lies behind the workspace.
func skipsStop(from, to string, stops map[string]bool) bool {
	if from == "" {
		return false
	}
	for s := range stops {
		if release.Compare(from, s) < 0 && release.Compare(s, to) < 0 {
			return true
		}
	}
	return false
}

// blocking returns the first component (by name) that may not move from state to r in one
// step, with its verdict; Allowed when none.
func (b Rulebook) blocking(state Versions, r *rathausv1alpha1.StackRelease) (component string, c Change, v Verdict) {
	for _, name := range slices.Sorted(maps.Keys(VersionsOf(r))) {
		from, ok := state[name]
		to := VersionsOf(r)[name]
		if !ok {
			continue
		}
		if v := b.judge(name, from, to); v != Allowed {
			return name, Change{Component: name, From: from, To: to}, v
		}
	}
	return "", Change{}, Allowed
}

func (b Rulebook) refuseDirect(running Versions, target *rathausv1alpha1.StackRelease) error {
	for _, name := range slices.Sorted(maps.Keys(VersionsOf(target))) {
		from, ok := running[name]
		to := VersionsOf(target)[name]
		if !ok {
			continue
		}
		e := &RefusedError{Component: name, From: from, To: to}
		switch b.judge(name, from, to) {
		case Downgrade:
			e.Reason = rathausv1alpha1.ReasonDowngradeRefused
			e.Message = fmt.Sprintf("release %s would take %s back from %s to %s; data migrations are not reversible, so downgrades are never done automatically", target.Spec.Version, name, from, to)
		case Forbidden:
			e.Reason = rathausv1alpha1.ReasonMajorUpgradeRefused
			e.Message = fmt.Sprintf("release %s would move %s from %s to %s, a new major version that needs a manual migration (pg_upgrade or dump and restore); it is never done implicitly", target.Spec.Version, name, from, to)
		case Unordered:
			e.Reason = rathausv1alpha1.ReasonUnorderedVersion
			e.Message = fmt.Sprintf("release %s would move %s from %s to %s, and these versions cannot be ordered", target.Spec.Version, name, from, to)
		default:
			continue
		}
		return e
	}
	return nil
}

// unreachable explains why no path was found: the component that cannot make the move to
// the target, or to the first mandatory stop, in one step.
func unreachable(req Request, target *rathausv1alpha1.StackRelease, stops map[string]bool) error {
	goal := target
	if len(stops) > 0 {
		for _, r := range between(req) {
			if stops[r.Spec.Version] {
				goal = r
				break
			}
		}
	}
	name, c, v := req.Rules.blocking(req.Running, goal)
	what := "release " + goal.Spec.Version
	if goal != target {
		what = "mandatory stop " + goal.Spec.Version + " on the way to " + target.Spec.Version
	}
	if v == Allowed {
		return &RefusedError{Reason: rathausv1alpha1.ReasonUpgradeUnreachable, Message: fmt.Sprintf("no sequence of releases of the catalog reaches %s without breaking an upgrade rule", what)}
	}
	return &RefusedError{
		Reason: rathausv1alpha1.ReasonUpgradeUnreachable, Component: name, From: c.From, To: c.To,
		Message: fmt.Sprintf("%s cannot move from %s to %s (%s) in one step, and no release of the catalog bridges it to %s", name, c.From, c.To, req.Rules.Rule(name).Says, what),
	}
}

// overlay returns state with r's versions over it.
func overlay(state Versions, r *rathausv1alpha1.StackRelease) Versions {
	out := maps.Clone(state)
	if out == nil {
		out = Versions{}
	}
	maps.Copy(out, VersionsOf(r))
	return out
}

// visit is a release reached by the search: the versions there, its release, and the visit
// it was reached from.
type visit struct {
	state  Versions
	at     string
	parent int
	node   int
}

// steps walks back from the last visit and returns the steps in order with their changes.
func (b Rulebook) steps(queue []visit, running Versions, nodes []*rathausv1alpha1.StackRelease) []Step {
	var path []int
	for k := len(queue) - 1; k > 0; k = queue[k].parent {
		path = append(path, queue[k].node)
	}
	slices.Reverse(path)
	var out []Step
	state := running
	for _, n := range path {
		r := nodes[n]
		var changes []Change
		for _, name := range slices.Sorted(maps.Keys(VersionsOf(r))) {
			to := VersionsOf(r)[name]
			if from := state[name]; from != to {
				changes = append(changes, Change{Component: name, From: from, To: to, Stateful: b.Stateful(name)})
			}
		}
		out = append(out, Step{Release: r, Changes: changes})
		state = overlay(state, r)
	}
	return out
}

// String is a step for logs and messages, e.g. "2026.9.0 (nextcloud 32.0.13-apache → 33.0.7-apache)".
func (s Step) String() string {
	parts := make([]string, 0, len(s.Changes))
	for _, c := range s.Changes {
		from := c.From
		if from == "" {
			from = "(new)"
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", c.Component, from, c.To))
	}
	return s.Release.Spec.Version + " (" + strings.Join(parts, ", ") + ")"
}
