package postgres

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func withBackups(in *stack.Inputs) {
	in.Platform.Spec.Backup = &rathausv1alpha1.BackupPolicy{
		Destination:         &rathausv1alpha1.BackupDestination{Endpoint: "backup.example.eu", Port: 9000, Bucket: "rathaus", Prefix: "cluster-a"},
		EncryptionKeySecret: &rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "backup-key"},
		Schedule:            "30 1 * * *",
		Retention:           rathausv1alpha1.BackupRetention{KeepDays: 14},
	}
}

func rendered(t *testing.T, in stack.Inputs) map[string]*unstructured.Unstructured {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			out[u.GetKind()] = u
		}
	}
	return out
}

// TestCloudNativePGBacksUpThroughThePlugin: with a backup policy, the Cluster archives WAL
// and base backups through the Barman Cloud plugin to the provider's store, on the policy's
// schedule in CloudNativePG's six-field form, kept for the policy's days.
func TestCloudNativePGBacksUpThroughThePlugin(t *testing.T) {
	objs := rendered(t, cnpgInputs(withBackups))
	plugins, _, _ := unstructured.NestedSlice(objs["Cluster"].Object, "spec", "plugins")
	if len(plugins) != 1 || plugins[0].(map[string]any)["name"] != barmanPlugin || plugins[0].(map[string]any)["isWALArchiver"] != true {
		t.Fatalf("Cluster plugins = %v", plugins)
	}
	store := objs["ObjectStore"]
	if store == nil || store.GroupVersionKind() != ObjectStoreKind {
		t.Fatalf("no ObjectStore: %v", objs)
	}
	for path, want := range map[string]string{
		"spec.retentionPolicy":                                 "14d",
		"spec.configuration.destinationPath":                   "s3://rathaus/cluster-a/kiel/database-cloudnativepg",
		"spec.configuration.endpointURL":                       "https://backup.example.eu:9000",
		"spec.configuration.s3Credentials.accessKeyId.name":    "rathaus-backup-store",
		"spec.configuration.s3Credentials.secretAccessKey.key": "secret-key",
	} {
		if got, _, _ := unstructured.NestedString(store.Object, strings.Split(path, ".")...); got != want {
			t.Errorf("ObjectStore %s = %q, want %q", path, got, want)
		}
	}
	sb := objs["ScheduledBackup"]
	for path, want := range map[string]string{"spec.schedule": "0 30 1 * * *", "spec.method": "plugin", "spec.cluster.name": Name, "spec.pluginConfiguration.name": barmanPlugin} {
		if got, _, _ := unstructured.NestedString(sb.Object, strings.Split(path, ".")...); got != want {
			t.Errorf("ScheduledBackup %s = %q, want %q", path, got, want)
		}
	}
	if len(sb.GetOwnerReferences()) != 1 || len(store.GetOwnerReferences()) != 1 {
		t.Errorf("the schedule and the store's configuration go with the workspace; the backups do not")
	}

	excluded := cnpgInputs(withBackups, func(in *stack.Inputs) { in.Platform.Spec.Backup.Exclude = []rathausv1alpha1.BackupStore{"Database"} })
	if objs := rendered(t, excluded); objs["ObjectStore"] != nil || objs["ScheduledBackup"] != nil {
		t.Errorf("an excluded database store is backed up")
	}
	if objs := rendered(t, cnpgInputs()); objs["ObjectStore"] != nil {
		t.Errorf("backups without a policy")
	}
}

func TestCloudNativePGBackupsNeedThePlugin(t *testing.T) {
	in := cnpgInputs(withBackups)
	needs := Component{}.Needs(in.Workspace, in.Platform)
	if !slices.ContainsFunc(needs, func(n stack.Need) bool {
		return n.Kind == ObjectStoreKind && n.Reason == rathausv1alpha1.ReasonBarmanCloudPluginMissing
	}) {
		t.Errorf("needs = %+v, want the plugin's ObjectStore", needs)
	}
}

// TestCloudNativePGReportsItsBackups: the database store's status comes from what
// CloudNativePG and the plugin publish, and the backup component renders no Job for it.
func TestCloudNativePGReportsItsBackups(t *testing.T) {
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	in := cnpgInputs(withBackups, func(in *stack.Inputs) {
		sb := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"lastScheduleTime": "2026-12-06T01:30:00Z"}}}
		sb.SetGroupVersionKind(ScheduledBackupKind)
		sb.SetCreationTimestamp(metav1.NewTime(created))
		store := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"serverRecoveryWindow": map[string]any{
			Name: map[string]any{"lastSuccessfulBackupTime": "2026-12-06T01:42:10Z"},
		}}}}
		store.SetGroupVersionKind(ObjectStoreKind)
		in.Observed = map[string]client.Object{
			stack.Key("ScheduledBackup", "kiel", scheduledBackupName): sb,
			stack.Key("ObjectStore", "kiel", objectStoreName):         store,
		}
	})
	sources := Component{}.BackupSources(in)
	if len(sources) != 1 || sources[0].Taken == nil || sources[0].Dump != nil {
		t.Fatalf("sources = %+v", sources)
	}
	r := sources[0].Taken
	if r.LastSuccessfulTime == nil || !r.LastSuccessfulTime.Equal(&metav1.Time{Time: time.Date(2026, 12, 6, 1, 42, 10, 0, time.UTC)}) ||
		r.LastScheduleTime == nil || !r.Since.Equal(created) {
		t.Errorf("report = %+v", r)
	}
}

// TestJudge: CloudNativePG publishes readiness in the Cluster's Ready condition and the
// Database's status.applied (cloudnative-pg api/v1/cluster_types.go, database_types.go).
func TestJudge(t *testing.T) {
	obj := func(kind string, status map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		if status != nil {
			u.Object["status"] = status
		}
		u.SetGroupVersionKind(ClusterKind.GroupVersion().WithKind(kind))
		u.SetName("x")
		return u
	}
	tests := []struct {
		name    string
		obj     *unstructured.Unstructured
		ready   bool
		waiting string
		known   bool
	}{
		{"cluster ready", obj("Cluster", map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}), true, "", true},
		{"cluster coming up", obj("Cluster", map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False"}}}), false, "Cluster x to be ready", true},
		{"database applied", obj("Database", map[string]any{"applied": true}), true, "", true},
		{"database pending", obj("Database", nil), false, "Database x to be applied", true},
		{"another kind", obj("ScheduledBackup", nil), false, "", false},
	}
	for _, tt := range tests {
		ready, waiting, known := Component{}.Judge(tt.obj)
		if ready != tt.ready || waiting != tt.waiting || known != tt.known {
			t.Errorf("%s: Judge = %v %q %v", tt.name, ready, waiting, known)
		}
	}
}
