package metrics

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Names of the per-workspace metrics, read from the cache at scrape time.
const (
	WorkspaceConditionName    = "rathaus_workspace_condition"
	WorkspaceInfoName         = "rathaus_workspace_info"
	WorkspaceServiceReadyName = "rathaus_workspace_service_ready"
	// BackupLastSuccessName is the time of each store's newest successful backup, for the
	// alert on backups older than the platform allows.
	BackupLastSuccessName = "rathaus_workspace_backup_last_success_timestamp_seconds"
	// BackupSizeName is the size of each store's newest successful backup, for capacity
	// planning of the object store.
	BackupSizeName = "rathaus_workspace_backup_size_bytes"
)

// Sample is one value of one per-workspace metric; LabelValues are in the order of the
// metric's labels (see workspaceDescs).
type Sample struct {
	Name        string
	LabelValues []string
	Value       float64
}

// WorkspaceSamples maps one workspace to its metric samples, kube-state-metrics style:
//   - rathaus_workspace_condition{namespace,name,type,status,reason} 1 per current condition,
//   - rathaus_workspace_info{namespace,name,release,size} 1,
//   - rathaus_workspace_service_ready{namespace,name,service} 1 or 0 per service in status,
//   - rathaus_workspace_backup_last_success_timestamp_seconds{namespace,name,store} per store in
//     status.backups: the Unix time of its newest successful backup, 0 while it has none,
//   - rathaus_workspace_backup_size_bytes{namespace,name,store} per store whose newest
//     successful backup's size is known (status.backups[].size).
//
// release is the version the workspace runs (status.release) or, before anything was applied,
// resolvedRelease: the version its selector resolves to, "" when none does. Samples come in
// the order of the status lists, which are kept sorted (conditions by type, services in
// component order), so the output is deterministic.
func WorkspaceSamples(ws *rathausv1alpha1.MunicipalityWorkspace, resolvedRelease string) []Sample {
	ns, name := ws.Namespace, ws.Name
	out := make([]Sample, 0, 1+len(ws.Status.Conditions)+len(ws.Status.Services))
	for _, c := range ws.Status.Conditions {
		out = append(out, Sample{Name: WorkspaceConditionName, LabelValues: []string{ns, name, c.Type, string(c.Status), c.Reason}, Value: 1})
	}
	rel := ws.Status.Release
	if rel == "" {
		rel = resolvedRelease
	}
	size := string(ws.Spec.Size)
	if size == "" {
		// The CRD defaults size to S; an object read before defaulting (never from the API
		// server) would otherwise have an empty label.
		size = string(rathausv1alpha1.SizeS)
	}
	out = append(out, Sample{Name: WorkspaceInfoName, LabelValues: []string{ns, name, rel, size}, Value: 1})
	for _, s := range ws.Status.Services {
		ready := 0.0
		if s.Ready == metav1.ConditionTrue {
			ready = 1
		}
		out = append(out, Sample{Name: WorkspaceServiceReadyName, LabelValues: []string{ns, name, s.Name}, Value: ready})
	}
	for _, b := range ws.Status.Backups {
		at := 0.0
		if b.LastSuccessfulTime != nil {
			at = float64(b.LastSuccessfulTime.Unix())
		}
		out = append(out, Sample{Name: BackupLastSuccessName, LabelValues: []string{ns, name, string(b.Store)}, Value: at})
		if b.Size != nil {
			out = append(out, Sample{Name: BackupSizeName, LabelValues: []string{ns, name, string(b.Store)}, Value: b.Size.AsApproximateFloat64()})
		}
	}
	return out
}
