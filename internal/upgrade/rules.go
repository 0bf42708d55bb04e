package upgrade

import (
	"fmt"

	"github.com/rathaus-io/rathaus/internal/stack"
)

// Verdict is what a component's upstream says about moving from one version to another.
type Verdict int

const (
	// Allowed: the move may be done in one step.
	Allowed Verdict = iota
	// TooFar: the move is forward but skips what upstream must see on the way (a major
	// version); a release in between can bridge it.
	TooFar
	// Downgrade: the move goes back; data migrations are not reversible, so it is refused.
	Downgrade
	// Forbidden: the move is never done automatically (a PostgreSQL major version needs a dump
	// and restore or pg_upgrade), whatever lies in between.
	Forbidden
	// Unordered: a version is not a version (e.g. "latest"); the move cannot be judged.
	Unordered
)

// Rule judges moving one component from one version to another.
type Rule struct {
	// Says is the rule in words, for messages.
	Says  string
	judge func(from, to version) Verdict
}

// Rulebook holds what the upstream of each release component allows, as the registered
// components declare it (stack.Released, collected by desired.ReleaseComponents). A
// component no registered component runs gets ForwardOnly and counts as keeping no data: the
// operator does not run it, so nothing of it is migrated.
type Rulebook map[string]stack.ReleaseComponent

// NewRulebook indexes the declared release components by name.
func NewRulebook(components []stack.ReleaseComponent) Rulebook {
	b := Rulebook{}
	for _, c := range components {
		b[c.Name] = c
	}
	return b
}

// Rule returns the rule of a release component.
func (b Rulebook) Rule(component string) Rule {
	switch b[component].Upgrade {
	case stack.OneMajorAtATime:
		return OneMajorAtATime
	case stack.SameMajor:
		return SameMajor
	}
	return ForwardOnly
}

// Stateful reports whether a release component keeps data that a new version migrates.
func (b Rulebook) Stateful(component string) bool { return b[component].Stateful }

// The rules components follow.
var (
	// ForwardOnly allows any move that does not go back.
	ForwardOnly = Rule{Says: "forward only", judge: func(from, to version) Verdict {
		if to.compare(from) < 0 {
			return Downgrade
		}
		return Allowed
	}}
	// OneMajorAtATime allows moving forward within a major version or to the next one.
	OneMajorAtATime = Rule{Says: "one major version at a time, forward only", judge: func(from, to version) Verdict {
		switch {
		case to.compare(from) < 0:
			return Downgrade
		case to.major() > from.major()+1:
			return TooFar
		}
		return Allowed
	}}
	// SameMajor allows moving forward within a major version only.
	SameMajor = Rule{Says: "within its major version, forward only", judge: func(from, to version) Verdict {
		switch {
		case to.compare(from) < 0:
			return Downgrade
		case to.major() != from.major():
			return Forbidden
		}
		return Allowed
	}}
)

// judge applies the rule of component to a move between two tags.
func (b Rulebook) judge(component, from, to string) Verdict {
	if from == to {
		return Allowed
	}
	f, okF := parseVersion(from)
	t, okT := parseVersion(to)
	if !okF || !okT {
		return Unordered
	}
	return b.Rule(component).judge(f, t)
}

func (v Verdict) String() string {
	switch v {
	case Allowed:
		return "Allowed"
	case TooFar:
		return "TooFar"
	case Downgrade:
		return "Downgrade"
	case Forbidden:
		return "Forbidden"
	case Unordered:
		return "Unordered"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}
