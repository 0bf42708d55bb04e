package postgres

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// veleroDumpDir is where the pre-backup hook writes the dumps Velero copies.
const veleroDumpDir = "/dump"

// withVelero prepares the bundled PostgreSQL for the provider's Velero (backup.method
// Velero): a copy of a live data directory is not a backup, so Velero copies a scratch
// volume into which a hook has just dumped every database, and leaves the data volume out
// (vmware-tanzu/velero site/content/docs/v1.18/file-system-backup.md: backup-volumes and
// backup-volumes-excludes; backup-hooks.md). The hook runs in the server's container, as
// uid 999, over TCP with the superuser's password the container already has.
func withVelero(in stack.Inputs, sts *appsv1.StatefulSet) *appsv1.StatefulSet {
	if !backup.ForVelero(in.Platform.Spec.Backup) || len(in.Databases) == 0 {
		return sts
	}
	pod := &sts.Spec.Template.Spec
	pod.Volumes = append(pod.Volumes, kit.EmptyDir("dump"))
	pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "dump", MountPath: veleroDumpDir})
	script := fmt.Sprintf(`set -eu
export PGPASSWORD="$POSTGRES_PASSWORD"
for db in %s; do
	pg_dump --host=127.0.0.1 --port=%d --username=postgres --format=custom --compress=0 --file=%s/$db.pgdump "$db"
done
`, strings.Join(in.Databases, " "), Port, veleroDumpDir)
	tmpl := &sts.Spec.Template
	tmpl.Annotations = backup.VeleroAnnotations(tmpl.Annotations, []string{"dump"}, []string{"data"},
		&backup.VeleroHook{Container: "postgresql", Command: []string{"/bin/sh", "-c", script}, Timeout: "30m", OnError: "Fail"}, nil)
	return sts
}
