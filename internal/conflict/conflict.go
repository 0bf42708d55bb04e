// Package conflict decides whether a workspace may use what it claims: a namespace of its own
// and DNS names no other workspace uses. When two workspaces claim the same thing, the one
// created first keeps it and the later one is stalled, so nothing of the first is ever touched.
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
	var earlier []*rathausv1alpha1.MunicipalityWorkspace
	for i := range all {
		if precedes(&all[i], ws) {
			earlier = append(earlier, &all[i])
		}
	}
	// Deterministic: the oldest holder is reported whatever order the cache returned.
	slices.SortFunc(earlier, func(a, b *rathausv1alpha1.MunicipalityWorkspace) int {
		if precedes(a, b) {
			return -1
		}
		return 1
	})

	for _, other := range earlier {
		if other.Namespace == ws.Namespace {
			return &Conflict{
				Reason:  ReasonNamespaceConflict,
				Message: fmt.Sprintf("namespace %s already holds another workspace; a namespace holds exactly one municipality", ws.Namespace),
				Holder:  key(other),
			}
		}
	}
	claimed := ws.ClaimedHosts()
	for _, other := range earlier {
		for _, h := range other.ClaimedHosts() {
			if _, found := slices.BinarySearch(claimed, h); found {
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

// precedes reports whether a was created before b (ties broken by namespace and name), so it
// keeps what both claim. A workspace never precedes itself.
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
