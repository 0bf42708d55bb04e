// Package release picks the StackRelease a workspace runs, from its release selector and the
// catalog of StackRelease objects on the cluster.
package release

import (
	"fmt"
	"strconv"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// DefaultChannel is the channel a workspace follows when it selects none.
const DefaultChannel = "stable"

// BuiltIn is the release the operator ships with: the newest release of the shipped catalog,
// config/releases, which is embedded into the binary and decoded once at start (catalog.go).
// It is used when the cluster's catalog has no release for a workspace's selection, so a fresh
// installation works before a catalog exists. Each call returns a copy of its own.
func BuiltIn() *rathausv1alpha1.StackRelease {
	return builtIn.DeepCopy()
}

// NotFoundError says that no release matches a workspace's selection; retrying does not help
// until someone publishes one or changes the selection.
type NotFoundError struct{ msg string }

func (e *NotFoundError) Error() string { return e.msg }

// Resolve returns the release selected by sel: the pinned version, or the newest release of
// the channel (DefaultChannel when sel is nil). catalog holds the cluster's StackReleases;
// BuiltIn is considered last.
func Resolve(sel *rathausv1alpha1.ReleaseSelector, catalog []rathausv1alpha1.StackRelease) (*rathausv1alpha1.StackRelease, error) {
	candidates := make([]*rathausv1alpha1.StackRelease, 0, len(catalog)+1)
	for i := range catalog {
		candidates = append(candidates, &catalog[i])
	}
	builtIn := BuiltIn()

	if sel == nil {
		sel = &rathausv1alpha1.ReleaseSelector{Channel: DefaultChannel}
	}
	if sel.Version != "" {
		for _, r := range append(candidates, builtIn) {
			if r.Spec.Version == sel.Version {
				return r, nil
			}
		}
		return nil, &NotFoundError{msg: fmt.Sprintf("release %s is not in the release catalog", sel.Version)}
	}

	channel := sel.Channel
	if channel == "" {
		channel = DefaultChannel
	}
	var newest *rathausv1alpha1.StackRelease
	for _, r := range candidates {
		if inChannel(r, channel) && (newest == nil || Compare(r.Spec.Version, newest.Spec.Version) > 0) {
			newest = r
		}
	}
	if newest == nil && inChannel(builtIn, channel) {
		newest = builtIn
	}
	if newest == nil {
		return nil, &NotFoundError{msg: fmt.Sprintf("no release in channel %s", channel)}
	}
	return newest, nil
}

func inChannel(r *rathausv1alpha1.StackRelease, channel string) bool {
	for _, c := range r.Spec.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Compare orders calendar versions (YYYY.M.PATCH) numerically: -1, 0 or +1. Versions that do
// not parse sort before those that do, and among themselves by string, so that a malformed
// release can never win a channel.
func Compare(a, b string) int {
	pa, okA := parse(a)
	pb, okB := parse(b)
	switch {
	case !okA && !okB:
		return strings.Compare(a, b)
	case !okA:
		return -1
	case !okB:
		return 1
	}
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parse(v string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
