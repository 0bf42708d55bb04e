package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// The fleet side of upgrades: the platform's workspaces as the wave gate sees them, the ledger
// of steps this process started, and the watches that bring waiting workspaces back when a
// step ends.

// upgradeLedger remembers the steps this process started that the cache may not show yet, so
// that two reconciles in parallel never exceed the platform's limit.
type upgradeLedger struct {
	mu sync.Mutex
	// started holds when this process started a step, by namespace/name.
	started map[string]time.Time
}

// ledgerGrace is how long a started step counts without the cache showing it.
const ledgerGrace = time.Minute

// decideInFleet decides with the platform's workspaces as the wave gate sees them, under the
// ledger's lock so that two reconciles in parallel never exceed the platform's limit: the
// fleet counts the steps this process started that the cache may not show yet, and a step
// that starts is recorded.
func (r *WorkspaceReconciler) decideInFleet(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, f upgrade.Facts, catalog []rathausv1alpha1.StackRelease) (upgrade.Decision, error) {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{platformIndex: ws.PlatformName()}, client.UnsafeDisableDeepCopy); err != nil {
		return upgrade.Decision{}, fmt.Errorf("listing the platform's workspaces: %w", err)
	}
	l := r.ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	self := client.ObjectKeyFromObject(ws).String()
	fleet := &upgrade.Fleet{Members: make([]upgrade.Member, 0, len(list.Items))}
	for i := range list.Items {
		m := memberOf(&list.Items[i], catalog)
		if at, ok := l.started[m.Name]; ok {
			if m.Upgrading || f.Now.Sub(at) > ledgerGrace {
				delete(l.started, m.Name)
			} else {
				m.Upgrading = true
			}
		}
		if m.Name == self {
			// This reconcile knows better than the cache that no step of it is under way.
			m.Upgrading = false
			fleet.Self = m
		}
		fleet.Members = append(fleet.Members, m)
	}
	fleet.Self.Name = self
	f.Fleet = fleet
	d := upgrade.Decide(f)
	if d.Start != nil {
		l.started[self] = f.Now
	}
	return d, d.Err
}

func (r *WorkspaceReconciler) forget(ws *rathausv1alpha1.MunicipalityWorkspace) {
	l := r.ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.started, client.ObjectKeyFromObject(ws).String())
}

// ledger returns the reconciler's ledger; callers hold its lock while using started.
func (r *WorkspaceReconciler) ledger() *upgradeLedger {
	l := &r.upgrades
	l.mu.Lock()
	if l.started == nil {
		l.started = map[string]time.Time{}
	}
	l.mu.Unlock()
	return l
}

// memberOf is a workspace as fleet waves see it. Its target is resolved from its spec and the
// catalog, not read from its status, which lags behind a new release.
func memberOf(ws *rathausv1alpha1.MunicipalityWorkspace, catalog []rathausv1alpha1.StackRelease) upgrade.Member {
	m := upgrade.Member{Name: client.ObjectKeyFromObject(ws).String(), Canary: ws.Labels[rathausv1alpha1.CanaryLabel] == "true"}
	if target, err := release.Resolve(ws.Spec.Release, catalog); err == nil {
		m.Target = target.Spec.Version
	}
	if u := ws.Status.Upgrade; u != nil {
		m.Upgrading, m.Current = u.Step != nil, u.Current
		for _, h := range u.History {
			if h.To == u.Current && h.Result == rathausv1alpha1.UpgradeSucceeded {
				m.Since = h.FinishedAt.Time
				break
			}
		}
	}
	if ready := meta.FindStatusCondition(ws.Status.Conditions, rathausv1alpha1.ConditionReady); ready != nil && ready.Status == metav1.ConditionTrue {
		m.Ready = true
		if ready.LastTransitionTime.After(m.Since) {
			m.Since = ready.LastTransitionTime.Time
		}
	}
	return m
}

// stepFinished passes workspace updates in which a step ended (succeeded, or the workspace
// went on to its next step) or that moved the current release: a slot may be free, or a
// canary may now vouch for a release.
func stepFinished() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			before := e.ObjectOld.(*rathausv1alpha1.MunicipalityWorkspace).Status.Upgrade
			after := e.ObjectNew.(*rathausv1alpha1.MunicipalityWorkspace).Status.Upgrade
			if before == nil || after == nil {
				return false
			}
			return before.Step != nil && (after.Step == nil || after.Step.To != before.Step.To || after.Step.Halted != before.Step.Halted) ||
				before.Current != after.Current
		},
	}
}

// waitingWorkspaces maps a workspace to the other workspaces of its platform whose upgrade
// has not reached its target, which may wait for the slot or the canary it just freed.
func (r *WorkspaceReconciler) waitingWorkspaces(ctx context.Context, obj client.Object) []reconcile.Request {
	ws := obj.(*rathausv1alpha1.MunicipalityWorkspace)
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{platformIndex: ws.PlatformName()}, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "Listing the workspaces of a platform")
		return nil
	}
	var out []reconcile.Request
	for _, other := range list.Items {
		u := other.Status.Upgrade
		if other.Namespace == ws.Namespace && other.Name == ws.Name || u == nil || u.Step != nil || u.Current == u.Target {
			continue
		}
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&other)})
	}
	return out
}
