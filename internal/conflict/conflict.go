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

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Condition reasons for conflicts.
const (
	ReasonDomainConflict    = "DomainConflict"
	ReasonNamespaceConflict = "NamespaceConflict"
)

// Conflict says why a workspace may not proceed. Its message names the contested namespace or
// host but not the other workspace, which may belong to another tenant.
type Conflict struct {
	Reason  string
	Message string
	// Holder is the namespace/name of the workspace that keeps the claim, for operator logs.
	Holder string
}

// Find returns the first conflict of ws with the workspaces in all (which may include ws
// itself), or nil. Namespace conflicts are reported before domain conflicts.
func Find(ws *rathausv1alpha1.MunicipalityWorkspace, all []rathausv1alpha1.MunicipalityWorkspace) *Conflict {
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
				Reason:  ReasonNamespaceConflict,
				Message: fmt.Sprintf("namespace %s already holds another workspace; a namespace holds exactly one municipality", ws.Namespace),
				Holder:  key(other),
			}
		}
	}
	for _, h := range ws.ClaimedHosts() {
		for _, other := range others {
			if !slices.Contains(other.ClaimedHosts(), h) && !slices.Contains(other.Status.Hosts, h) {
				continue
			}
			if wins(slices.Contains(other.Status.Hosts, h), slices.Contains(ws.Status.Hosts, h), other, ws) {
				return &Conflict{
					Reason:  ReasonDomainConflict,
					Message: fmt.Sprintf("host %s is already used by another workspace", h),
					Holder:  key(other),
				}
			}
		}
	}
	return nil
}

// IndexHosts are the hosts under which a workspace takes part in others' conflicts: those it
// claims and those it holds. The operator indexes its cache by them, so that checking one
// workspace reads only the workspaces that matter (Relevant) instead of the whole fleet.
func IndexHosts(ws *rathausv1alpha1.MunicipalityWorkspace) []string {
	hosts := append(ws.ClaimedHosts(), ws.Status.Hosts...)
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// Relevant reports whether other can take part in a conflict of ws: it shares the namespace,
// or claims or holds one of the hosts ws claims. Find(ws, all) equals Find(ws, the Relevant
// ones of all); the operator finds them with one namespace list and one index lookup per
// claimed host.
func Relevant(ws, other *rathausv1alpha1.MunicipalityWorkspace) bool {
	if other.Namespace == ws.Namespace {
		return true
	}
	theirs := IndexHosts(other)
	for _, h := range ws.ClaimedHosts() {
		if _, found := slices.BinarySearch(theirs, h); found {
			return true
		}
	}
	return false
}

// IsConflict reports whether reason is one of this package's reasons.
func IsConflict(reason string) bool {
	return reason == ReasonDomainConflict || reason == ReasonNamespaceConflict
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
