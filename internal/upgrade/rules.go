package upgrade

import "fmt"

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

// Rules are the upstream constraints by release component name. Components not listed get
// ForwardOnly: stateless components may move freely, but a version going back is still
// refused, since nothing tells this table whether the component keeps data.
var Rules = map[string]Rule{
	// Nextcloud upgrades one major version at a time and never down (Nextcloud admin manual,
	// "Upgrade manually": "skipping major releases is not supported"; the image's entrypoint
	// refuses to downgrade).
	"nextcloud": OneMajorAtATime,
	// Keycloak migrates its database on start and supports upgrading from any older version
	// (Keycloak upgrading guide), but not going back.
	"keycloak": ForwardOnly,
	// PostgreSQL keeps its on-disk format within a major version; a new major needs pg_upgrade
	// or a dump and restore, which the operator never does implicitly.
	"postgresql":               SameMajor,
	"postgresql-cloudnativepg": SameMajor,
	// Opencast and OpenSearch migrate their data one major version at a time (Opencast
	// upgrade guide; OpenSearch rolling upgrades between adjacent majors).
	// The Opencast images are one release, one per node role.
	"opencast-allinone":     OneMajorAtATime,
	"opencast-admin":        OneMajorAtATime,
	"opencast-presentation": OneMajorAtATime,
	"opencast-worker":       OneMajorAtATime,
	"opensearch":            OneMajorAtATime,
	// Stalwart migrates its data store forward on start (its upgrading notes); no way back.
	"stalwart": ForwardOnly,
}

// RuleFor returns the rule of a release component.
func RuleFor(component string) Rule {
	if r, ok := Rules[component]; ok {
		return r
	}
	return ForwardOnly
}

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
func judge(component, from, to string) Verdict {
	if from == to {
		return Allowed
	}
	f, okF := parseVersion(from)
	t, okT := parseVersion(to)
	if !okF || !okT {
		return Unordered
	}
	return RuleFor(component).judge(f, t)
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
