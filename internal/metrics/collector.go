package metrics

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
)

// workspaceDescs describe the per-workspace metrics, by name.
var workspaceDescs = map[string]*prometheus.Desc{
	WorkspaceConditionName: prometheus.NewDesc(WorkspaceConditionName,
		"Current conditions of each MunicipalityWorkspace: 1 per condition, with its type, status and reason.",
		[]string{"namespace", "name", "type", "status", "reason"}, nil),
	WorkspaceInfoName: prometheus.NewDesc(WorkspaceInfoName,
		"Information about each MunicipalityWorkspace: the release it runs (or will run) and its size tier; always 1.",
		[]string{"namespace", "name", "release", "size"}, nil),
	WorkspaceServiceReadyName: prometheus.NewDesc(WorkspaceServiceReadyName,
		"Whether each enabled service of each MunicipalityWorkspace is ready (1) or not (0).",
		[]string{"namespace", "name", "service"}, nil),
	BackupLastSuccessName: prometheus.NewDesc(BackupLastSuccessName,
		"Unix time of the newest successful backup of each store of each MunicipalityWorkspace; 0 while it has none.",
		[]string{"namespace", "name", "store"}, nil),
	BackupSizeName: prometheus.NewDesc(BackupSizeName,
		"Bytes of data in the newest successful backup of each store of each MunicipalityWorkspace, before deduplication and compression; absent while unknown.",
		[]string{"namespace", "name", "store"}, nil),
}

// Lister reads what the per-workspace metrics are computed from; the manager's cache in the
// operator, so a scrape costs no API request.
type Lister interface {
	Workspaces(ctx context.Context) ([]rathausv1alpha1.MunicipalityWorkspace, error)
	Releases(ctx context.Context) ([]rathausv1alpha1.StackRelease, error)
}

// WorkspaceCollector computes the per-workspace metrics at scrape time from the workspaces as
// they are then, the way kube-state-metrics does: a deleted workspace leaves no stale series,
// the reconcile loop updates nothing, and a scrape costs O(workspaces).
type WorkspaceCollector struct {
	Lister Lister
	Log    logr.Logger
}

// scrapeTimeout bounds a scrape's wait for the cache; it only waits before the cache synced.
const scrapeTimeout = 10 * time.Second

// Describe implements prometheus.Collector.
func (c *WorkspaceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, name := range []string{WorkspaceConditionName, WorkspaceInfoName, WorkspaceServiceReadyName} {
		ch <- workspaceDescs[name]
	}
}

// Collect implements prometheus.Collector. A failed read is logged and yields no samples
// rather than an invalid metric, which would fail the whole scrape, controller-runtime's
// metrics included.
func (c *WorkspaceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	workspaces, err := c.Lister.Workspaces(ctx)
	if err != nil {
		c.Log.Error(err, "Unable to list workspaces for metrics")
		return
	}
	catalog, err := c.Lister.Releases(ctx)
	if err != nil {
		c.Log.Error(err, "Unable to list releases for metrics")
		return
	}
	for i := range workspaces {
		ws := &workspaces[i]
		for _, s := range WorkspaceSamples(ws, resolvedVersion(ws, catalog)) {
			ch <- prometheus.MustNewConstMetric(workspaceDescs[s.Name], prometheus.GaugeValue, s.Value, s.LabelValues...)
		}
	}
}

// resolvedVersion is the version the workspace's selector resolves to, for a workspace that
// runs none yet; "" when it runs one (status.release wins) or none resolves.
func resolvedVersion(ws *rathausv1alpha1.MunicipalityWorkspace, catalog []rathausv1alpha1.StackRelease) string {
	if ws.Status.Release != "" {
		return ""
	}
	rel, err := release.Resolve(ws.Spec.Release, catalog)
	if err != nil {
		return ""
	}
	return rel.Spec.Version
}
