package postgres

import (
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// CloudNativePG backs up its own databases: base backups and WAL to the object store through
// the Barman Cloud plugin. The pinned operand images (-standard-) carry no Barman Cloud, which
// only the deprecated -system- images do, so the in-tree barmanObjectStore cannot work with
// them (cloudnative-pg/postgres-containers README.md; cloudnative-pg docs/src/backup.md: the
// plugin replaces it from 1.26). The plugin needs CloudNativePG 1.26+ and cert-manager
// (cloudnative-pg/plugin-barman-cloud web/docs/installation.mdx@v0.14.0).
var (
	// ObjectStoreKind is the plugin's object store (barmancloud.cnpg.io/v1, api/v1/objectstore_types.go).
	ObjectStoreKind = schema.GroupVersionKind{Group: "barmancloud.cnpg.io", Version: "v1", Kind: "ObjectStore"}
	// ScheduledBackupKind is CloudNativePG's schedule (api/v1/scheduledbackup_types.go).
	ScheduledBackupKind = ClusterKind.GroupVersion().WithKind("ScheduledBackup")
)

const (
	barmanPlugin        = "barman-cloud.cloudnative-pg.io"
	objectStoreName     = "rathaus-backup"
	scheduledBackupName = "rathaus-backup-database"
	// backupStoreSecret is the backup component's copy of the object store's credentials
	// (backup.StoreSecret), keys access-key and secret-key.
	backupStoreSecret = "rathaus-backup-store"
)

// cnpgBackups reports whether CloudNativePG backs up the workspace's databases.
func cnpgBackups(in stack.Inputs) bool {
	p := in.Platform.Spec.Backup
	return in.Platform.Spec.Database.Mode == rathausv1alpha1.DatabaseCloudNativePG && backup.ToObjectStore(p) && len(in.Databases) > 0 &&
		!slices.Contains(p.Exclude, rathausv1alpha1.BackupDatabase)
}

// renderCNPGBackups wires the Cluster to the plugin and renders the object store and the
// schedule (plugin-barman-cloud web/docs/usage.md@v0.14.0).
func renderCNPGBackups(in stack.Inputs, cluster *unstructured.Unstructured, schedule string, keepDays int32) []client.Object {
	_ = unstructured.SetNestedSlice(cluster.Object, []any{map[string]any{
		"name": barmanPlugin, "isWALArchiver": true,
		"parameters": map[string]any{"barmanObjectName": objectStoreName},
	}}, "spec", "plugins")
	d := in.Platform.Spec.Backup.Destination
	endpoint := "https://" + d.Endpoint
	if d.Port != 0 {
		endpoint += fmt.Sprintf(":%d", d.Port)
	}
	path := []string{d.Bucket}
	if d.Prefix != "" {
		path = append(path, d.Prefix)
	}
	path = append(path, in.Workspace.Namespace, "database-cloudnativepg")
	store := cnpgObject(in, ObjectStoreKind, objectStoreName, map[string]any{
		// A recovery window: every backup needed to restore to any point of the last days
		// is kept (web/docs/retention.md); CloudNativePG has no count-based retention.
		"retentionPolicy": fmt.Sprintf("%dd", keepDays),
		"configuration": map[string]any{
			"destinationPath": "s3://" + strings.Join(path, "/"),
			"endpointURL":     endpoint,
			"s3Credentials": map[string]any{
				"accessKeyId":     map[string]any{"name": backupStoreSecret, "key": "access-key"},
				"secretAccessKey": map[string]any{"name": backupStoreSecret, "key": "secret-key"},
			},
			"wal":  map[string]any{"compression": "gzip"},
			"data": map[string]any{"compression": "gzip"},
		},
	})
	scheduled := cnpgObject(in, ScheduledBackupKind, scheduledBackupName, map[string]any{
		// CloudNativePG's schedules have a leading seconds field (robfig/cron with seconds).
		"schedule":             "0 " + schedule,
		"cluster":              map[string]any{"name": Name},
		"method":               "plugin",
		"pluginConfiguration":  map[string]any{"name": barmanPlugin},
		"backupOwnerReference": "self",
		"immediate":            true,
	})
	instancesSel := map[string]string{"cnpg.io/cluster": Name}
	return []client.Object{store, scheduled, netpol.ToInternet(in, ComponentName, Name+"-backup", instancesSel, stack.URLPort(endpoint))}
}

// cnpgBackupReport is where CloudNativePG's backups stand: the newest successful one from
// the object store's recovery window (status.serverRecoveryWindow.<server>; the Cluster's
// lastSuccessfulBackup is not set for plugin backups, api/v1/cluster_types.go@v1.27.0), the
// newest start from the schedule.
func cnpgBackupReport(in stack.Inputs) *stack.BackupReport {
	r := &stack.BackupReport{}
	if sb, ok := in.Observed[stack.Key(ScheduledBackupKind.Kind, in.Workspace.Namespace, scheduledBackupName)].(*unstructured.Unstructured); ok {
		r.Since = sb.GetCreationTimestamp().Time
		r.LastScheduleTime = timeAt(sb, "status", "lastScheduleTime")
	}
	if os, ok := in.Observed[stack.Key(ObjectStoreKind.Kind, in.Workspace.Namespace, objectStoreName)].(*unstructured.Unstructured); ok {
		r.LastSuccessfulTime = timeAt(os, "status", "serverRecoveryWindow", Name, "lastSuccessfulBackupTime")
	}
	return r
}

func timeAt(u *unstructured.Unstructured, fields ...string) *metav1.Time {
	s, _, _ := unstructured.NestedString(u.Object, fields...)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &metav1.Time{Time: t}
}

// cnpgObject is an object of another project that the workspace owns (garbage-collected with
// it): configuration, not data.
func cnpgObject(in stack.Inputs, gvk schema.GroupVersionKind, name string, spec map[string]any) *unstructured.Unstructured {
	return kit.Foreign(in, ComponentName, name, gvk, map[string]any{"spec": spec})
}
