// Package upgrade decides how a workspace moves from the release it runs to the release it
// should run: the steps through the catalog (Plan), when a step may start (Window) and which
// workspaces of a fleet may start one now (MayStart). Decide puts them together: from the facts
// the reconciler gathered (Facts) it decides which release to render, what to do (snapshots, a
// step that starts) and what to report; Finish completes the decision once the stack's health
// is known. Everything here is pure: the clock, the catalog and the fleet are arguments.
package upgrade

import (
	"strconv"
	"strings"
	"unicode"
)

// version is an image tag read as a sequence of numbers: 34.0.2-apache is [34 0 2],
// stable-11146-2 is [11146 2], 6.5.0-26.5.4 is [6 5 0 26 5 4], v20260328 is [20260328].
// Letters only separate numbers, so two variants of one version (-apache, -fpm) are equal.
type version []int

// parseVersion reads the numbers of a tag; false when it has none (e.g. "latest"), which
// cannot be ordered.
func parseVersion(tag string) (version, bool) {
	var out version
	for _, field := range strings.FieldsFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) }) {
		n, err := strconv.Atoi(field)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

// compare orders two versions number by number; a version that is a prefix of another comes
// first (stable-11146 before stable-11146-2).
func (v version) compare(w version) int {
	for i := range min(len(v), len(w)) {
		if v[i] != w[i] {
			if v[i] < w[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(v) < len(w):
		return -1
	case len(v) > len(w):
		return 1
	}
	return 0
}

func (v version) major() int { return v[0] }
