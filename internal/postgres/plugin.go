package postgres

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// ReleaseComponents implements stack.Released. PostgreSQL keeps its on-disk format within a
// major version; a new major needs pg_upgrade or a dump and restore, which the operator never
// does implicitly.
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{
		{Name: ReleaseComponent, Upgrade: stack.SameMajor, Stateful: true},
		{Name: CloudNativePGReleaseComponent, Upgrade: stack.SameMajor, Stateful: true},
	}
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.StatefulSetKind, kit.JobKind, kit.ServiceKind, kit.ConfigMapKind, kit.SecretKind,
		kit.PersistentVolumeClaimKind, kit.NetworkPolicyKind, ClusterKind, DatabaseKind, ScheduledBackupKind, ObjectStoreKind}
}

// Needs implements stack.CapabilityUser.
func (Component) Needs(_ *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	if p.Spec.Database.Mode != rathausv1alpha1.DatabaseCloudNativePG {
		return nil
	}
	needs := []stack.Need{{Kind: ClusterKind, Reason: rathausv1alpha1.ReasonCloudNativePGMissing,
		What: "CloudNativePG databases, but the postgresql.cnpg.io CRDs are"}}
	if b := p.Spec.Backup; backup.ToObjectStore(b) && !slices.Contains(b.Exclude, rathausv1alpha1.BackupDatabase) {
		needs = append(needs, stack.Need{Kind: ObjectStoreKind, Reason: rathausv1alpha1.ReasonBarmanCloudPluginMissing,
			What: "backups of its CloudNativePG databases, but the Barman Cloud plugin's barmancloud.cnpg.io ObjectStore CRD is"})
	}
	return needs
}

// Judge implements stack.ForeignJudge with what CloudNativePG publishes: a Cluster is ready by
// its Ready condition, a Database once status.applied is true (cloudnative-pg
// api/v1/cluster_types.go, database_types.go).
func (Component) Judge(u *unstructured.Unstructured) (bool, string, bool) {
	switch u.GroupVersionKind() {
	case ClusterKind:
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Ready" && m["status"] == "True" {
				return true, "", true
			}
		}
		return false, fmt.Sprintf("Cluster %s to be ready", u.GetName()), true
	case DatabaseKind:
		if applied, _, _ := unstructured.NestedBool(u.Object, "status", "applied"); !applied {
			return false, fmt.Sprintf("Database %s to be applied", u.GetName()), true
		}
		return true, "", true
	}
	return false, "", false
}

// dumpScript writes a logical dump of every database, in pg_dump's custom format without
// compression so that the backup deduplicates and compresses across days (PostgreSQL 17
// documentation, pg_dump). The postgres image's entrypoint runs any command but postgres as
// it is (docker-library/postgres 17/trixie/docker-entrypoint.sh).
const dumpScript = `set -eu
for db in $DATABASES; do
	pg_dump --format=custom --compress=0 --file="$DUMP_DIR/$db.pgdump" "$db"
done
`

// BackupSources implements stack.BackedUp: in Bundled mode, a dump of every database the
// enabled services use, Stalwart's mail store among them; in CloudNativePG mode, where its own
// backups stand (cnpg_backup.go). External databases are the provider's.
func (Component) BackupSources(in stack.Inputs) []stack.BackupSource {
	if cnpgBackups(in) {
		return []stack.BackupSource{{Store: rathausv1alpha1.BackupDatabase, Taken: cnpgBackupReport(in)}}
	}
	if mode := in.Platform.Spec.Database.Mode; mode == rathausv1alpha1.DatabaseCloudNativePG || mode == rathausv1alpha1.DatabaseExternal || len(in.Databases) == 0 {
		return nil
	}
	return []stack.BackupSource{{Store: rathausv1alpha1.BackupDatabase, UID: uid, Dump: &stack.BackupDump{
		ReleaseComponent: ReleaseComponent,
		Script:           dumpScript,
		Env: []corev1.EnvVar{
			{Name: "DATABASES", Value: strings.Join(in.Databases, " ")},
			{Name: "PGHOST", Value: Name},
			{Name: "PGPORT", Value: fmt.Sprint(Port)},
			kit.SecretEnv("PGUSER", superuserSecret, "username"),
			kit.SecretEnv("PGPASSWORD", superuserSecret, "password"),
		},
		PodLabels: map[string]string{ClientLabel: "true"},
	}}}
}
