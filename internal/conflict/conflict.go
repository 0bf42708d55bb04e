// Package conflict decides whether a workspace may use what it claims: a namespace of its own
// and DNS names no other workspace uses.
//
// What a workspace already holds it keeps: its status lists the hosts it held at its last
// reconcile that passed this check, and a workspace with such a status holds its namespace.
// Only between claims nobody holds yet does order decide: the workspace created first (then
// the one first by namespace/name, since creation times have one-second resolution) wins. So
// a running municipality is never displaced by a newcomer, nor by a neighbour's edit.
package conflict

import (
	"fmt"
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Conflict says why a workspace may not proceed. Its message names the contested namespace or
// host but not the other workspace, which may belong to another tenant.
type Conflict struct {
	Reason  string
	Message string
	// Holder is the namespace/name of the workspace that keeps the claim, for operator logs.
	Holder string
}

// Checker finds conflicts between workspaces.
type Checker struct {
	// Claimed returns the hosts a workspace claims by its spec (desired.ClaimedHosts).
	Claimed func(*rathausv1alpha1.MunicipalityWorkspace) []string
}

// Find returns the first conflict of ws with the workspaces in all (which may include ws
// itself), or nil. Namespace conflicts are reported before domain conflicts.
func (c Checker) Find(ws *rathausv1alpha1.MunicipalityWorkspace, all []rathausv1alpha1.MunicipalityWorkspace) *Conflict {
	var others []*rathausv1alpha1.MunicipalityWorkspace
	for i := range all {
		if key(&all[i]) != key(ws) {
			others = append(others, &all[i])
		}
	}
	// Deterministic: the first holder is reported whatever order the cache returned.
	slices.SortFunc(others, func(a, b *rathausv1alpha1.MunicipalityWorkspace) int {
		if precedes(a, b) {
			return -1
		}
		return 1
	})

	for _, other := range others {
		if other.Namespace == ws.Namespace && wins(holdsNamespace(other), holdsNamespace(ws), other, ws) {
			return &Conflict{
				Reason:  rathausv1alpha1.ReasonNamespaceConflict,
				Message: fmt.Sprintf("namespace %s already holds another workspace; a namespace holds exactly one municipality", ws.Namespace),
				Holder:  key(other),
			}
		}
	}
	// One municipality, one workspace: the AGS names it in the Gaia-X credentials.
	if k := ws.Spec.MunicipalityKey; k != "" {
		for _, other := range others {
			if other.Spec.MunicipalityKey == k && wins(holdsNamespace(other), holdsNamespace(ws), other, ws) {
				return &Conflict{
					Reason:  rathausv1alpha1.ReasonMunicipalityKeyConflict,
					Message: fmt.Sprintf("municipalityKey %s already belongs to another workspace; a municipality has one workspace", k),
					Holder:  key(other),
				}
			}
		}
	}
	for _, h := range c.Claimed(ws) {
		for _, other := range others {
			if !slices.Contains(c.Claimed(other), h) && !slices.Contains(other.Status.Hosts, h) {
				continue
			}
			if wins(slices.Contains(other.Status.Hosts, h), slices.Contains(ws.Status.Hosts, h), other, ws) {
				return &Conflict{
					Reason:  rathausv1alpha1.ReasonDomainConflict,
					Message: fmt.Sprintf("host %s is already used by another workspace", h),
					Holder:  key(other),
				}
			}
		}
	}
	// A municipality's domain is its zone: no other workspace may take a name inside it, and
	// no workspace a name inside another's (www.kiel.de or media.kiel.de as another town's
	// domain or host would later stall kiel, or answer for it).
	for _, other := range others {
		h, ok := c.inside(ws, other)
		if !ok {
			continue
		}
		if wins(holdsNamespace(other), holdsNamespace(ws), other, ws) {
			return &Conflict{
				Reason:  rathausv1alpha1.ReasonDomainConflict,
				Message: fmt.Sprintf("host %s lies inside the domain of another workspace", h),
				Holder:  key(other),
			}
		}
	}
	return nil
}

// inside returns a host of one workspace that lies inside the other's domain, if any. A
// workspace's own hosts lie inside its own domain; equal hosts are the exact check's.
func (c Checker) inside(ws, other *rathausv1alpha1.MunicipalityWorkspace) (string, bool) {
	for _, h := range c.Claimed(ws) {
		if within(h, other.Spec.Domain) {
			return h, true
		}
	}
	for _, h := range append(c.Claimed(other), other.Status.Hosts...) {
		if within(h, ws.Spec.Domain) {
			return h, true
		}
	}
	return "", false
}

// within reports whether host lies strictly inside domain.
func within(host, domain string) bool {
	return domain != "" && strings.HasSuffix(host, "."+domain)
}

// Zones are the parent domains of a host that can be a workspace's domain: every proper
// suffix of at least two labels (media.kiel.de: kiel.de).
func Zones(host string) []string {
	var out []string
	for i := strings.IndexByte(host, '.'); i >= 0; {
		rest := host[i+1:]
		if !strings.Contains(rest, ".") {
			break
		}
		out = append(out, rest)
		next := strings.IndexByte(rest, '.')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return out
}

// IndexHosts are the names under which a workspace takes part in others' conflicts: the
// hosts it claims and holds, and the zones those lie in. The operator indexes its cache by
// them, so that checking one workspace reads only the workspaces that matter (Relevant)
// instead of the whole fleet: a lookup of a claimed host finds who uses it, a lookup of the
// domain finds whoever has a name inside it.
func (c Checker) IndexHosts(ws *rathausv1alpha1.MunicipalityWorkspace) []string {
	hosts := append(c.Claimed(ws), ws.Status.Hosts...)
	var zones []string
	for _, h := range hosts {
		zones = append(zones, Zones(h)...)
	}
	hosts = append(hosts, zones...)
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// IndexDomain is the name under which a workspace's domain is found: a lookup of each zone of
// a claimed host finds the workspace whose domain it lies in.
func IndexDomain(ws *rathausv1alpha1.MunicipalityWorkspace) []string {
	return []string{ws.Spec.Domain}
}

// Lookups are what the operator looks up for ws: its claimed hosts in the host index, and the
// zones of its claimed hosts in the domain index.
func (c Checker) Lookups(ws *rathausv1alpha1.MunicipalityWorkspace) (hosts, domains []string) {
	hosts = c.Claimed(ws)
	for _, h := range hosts {
		domains = append(domains, Zones(h)...)
	}
	slices.Sort(domains)
	return hosts, slices.Compact(domains)
}

// Relevant reports whether other can take part in a conflict of ws: it shares the namespace,
// claims or holds one of the hosts ws claims or a name inside them (the domain among them), or
// its domain is a zone of a host ws claims. Find(ws, all) equals Find(ws, the Relevant ones
// of all); the operator finds them with one namespace list and the index lookups of Lookups.
func (c Checker) Relevant(ws, other *rathausv1alpha1.MunicipalityWorkspace) bool {
	if other.Namespace == ws.Namespace {
		return true
	}
	if ws.Spec.MunicipalityKey != "" && other.Spec.MunicipalityKey == ws.Spec.MunicipalityKey {
		return true
	}
	hosts, domains := c.Lookups(ws)
	theirs := c.IndexHosts(other)
	for _, h := range hosts {
		if _, found := slices.BinarySearch(theirs, h); found {
			return true
		}
	}
	return slices.Contains(domains, other.Spec.Domain)
}

// IsConflict reports whether reason is one of this package's reasons.
func IsConflict(reason string) bool {
	return reason == rathausv1alpha1.ReasonDomainConflict || reason == rathausv1alpha1.ReasonNamespaceConflict || reason == rathausv1alpha1.ReasonMunicipalityKeyConflict
}

// wins reports whether other keeps a claim it shares with ws: holding beats not holding, and
// otherwise the earlier workspace wins.
func wins(otherHolds, wsHolds bool, other, ws *rathausv1alpha1.MunicipalityWorkspace) bool {
	if otherHolds != wsHolds {
		return otherHolds
	}
	return precedes(other, ws)
}

// holdsNamespace reports whether ws has passed the conflict check before.
func holdsNamespace(ws *rathausv1alpha1.MunicipalityWorkspace) bool {
	return len(ws.Status.Hosts) > 0
}

// precedes reports whether a was created before b, ties broken by namespace and name.
func precedes(a, b *rathausv1alpha1.MunicipalityWorkspace) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return key(a) < key(b)
}

func key(ws *rathausv1alpha1.MunicipalityWorkspace) string {
	return ws.Namespace + "/" + ws.Name
}
