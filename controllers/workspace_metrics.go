package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
)

// workspaceMetrics serves the per-workspace metrics (internal/metrics.WorkspaceCollector)
// while this replica is the leader, so that two replicas never export the same series twice.
// The collector is registered when the manager starts it and removed when it stops, so a
// manager can be started again in the same process (the tests do).
type workspaceMetrics struct {
	collector *metrics.WorkspaceCollector
}

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (workspaceMetrics) NeedLeaderElection() bool { return true }

// Start implements manager.Runnable.
func (m workspaceMetrics) Start(ctx context.Context) error {
	if err := crmetrics.Registry.Register(m.collector); err != nil {
		return err
	}
	defer crmetrics.Registry.Unregister(m.collector)
	<-ctx.Done()
	return nil
}

// cacheLister reads workspaces and releases from the manager's cache, without copying them:
// the collector only reads.
type cacheLister struct {
	reader client.Reader
}

func (l cacheLister) Workspaces(ctx context.Context) ([]rathausv1alpha1.MunicipalityWorkspace, error) {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := l.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	return list.Items, nil
}

func (l cacheLister) Releases(ctx context.Context) ([]rathausv1alpha1.StackRelease, error) {
	var list rathausv1alpha1.StackReleaseList
	if err := l.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	return list.Items, nil
}
