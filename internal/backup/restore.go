package backup

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// Restore is where the workspace's spec.restore stands, decided from its last status and
// the restore Jobs the cluster shows; nil when there is none to carry out or report.
func Restore(in stack.Inputs) *rathausv1alpha1.RestoreStatus {
	r := in.Workspace.Spec.Restore
	if r == nil {
		return nil
	}
	if prev := in.Workspace.Status.Restore; prev != nil && prev.ID == r.ID && prev.Phase != rathausv1alpha1.RestoreRestoring {
		return prev // carried out once: a finished restore is not run again
	}
	st := &rathausv1alpha1.RestoreStatus{ID: r.ID, Phase: rathausv1alpha1.RestoreRestoring}
	if why := refuseCredentials(in); why != "" {
		st.Phase, st.Message = rathausv1alpha1.RestoreFailed, why
		return st
	}
	var failed []string
	for _, s := range restoreStores(in) {
		phase := rathausv1alpha1.RestoreRestoring
		if job, ok := in.Observed[stack.Key("Job", in.Workspace.Namespace, restoreJobName(s, r.ID))].(*batchv1.Job); ok {
			phase = jobPhase(job)
		}
		st.Stores = append(st.Stores, rathausv1alpha1.RestoreStoreStatus{Store: s, Phase: phase})
		if phase == rathausv1alpha1.RestoreFailed {
			failed = append(failed, string(s))
		}
	}
	switch running, later := progress(in, st); {
	case len(st.Stores) == 0:
		st.Phase, st.Message = rathausv1alpha1.RestoreFailed, "nothing to restore: no store of the workspace is backed up to the object store"
	case len(failed) > 0:
		st.Phase = rathausv1alpha1.RestoreFailed
		st.Message = fmt.Sprintf("restoring %s failed (see its Job rathaus-restore-…-%s); the services stay held: set a new restore.id to try again, or remove spec.restore", strings.Join(failed, ", "), r.ID)
	case len(running) > 0:
		st.Message = fmt.Sprintf("restoring %s from backup %s", strings.Join(running, ", "), snapshotOf(r))
		if len(later) > 0 {
			st.Message += ", then " + strings.Join(later, ", ")
		}
		st.Message += "; the services are held until it is done"
	default:
		st.Phase, st.Message = rathausv1alpha1.RestoreSucceeded, "restored "+joinStores(st.Stores)+" from backup "+snapshotOf(r)
	}
	return st
}

// Holding reports whether the workspace's services are held for a restore: from the moment
// spec.restore asks for one until it has succeeded, nothing writes to what is restored. A
// restore with nothing to restore holds nothing.
func Holding(in stack.Inputs) bool {
	st := Restore(in)
	return st != nil && st.Phase != rathausv1alpha1.RestoreSucceeded && len(st.Stores) > 0
}

// Hold returns what stops the writes to a workspace's data while it is restored, to be
// applied to every rendered object: the workloads are scaled to zero and CronJobs
// (Nextcloud's background jobs, the backups) suspended, except the components a restore loads
// its dumps into (a BackupSource with a Dump: the database) once the credentials are back: a
// database must first start with the passwords its dumps' data was written with. Nil while
// nothing is held (Holding). The restore is judged once, not per object.
func Hold(in stack.Inputs) func(client.Object) {
	if !Holding(in) {
		return nil
	}
	running := map[string]bool{}
	if !credentialsPending(Restore(in)) {
		for _, src := range in.BackupSources {
			if src.Dump != nil {
				running[src.Component] = true
			}
		}
	}
	return func(obj client.Object) {
		if running[obj.GetLabels()[ownership.ComponentLabel]] {
			return
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			o.Spec.Replicas = ptr.To[int32](0)
		case *appsv1.StatefulSet:
			o.Spec.Replicas = ptr.To[int32](0)
		case *batchv1.CronJob:
			o.Spec.Suspend = ptr.To(true)
		}
	}
}

// restoreStores are the stores the restore brings back: those asked for, or every store
// backed up by rathaus but the credentials (which are restored only when asked for); never
// one another operator backs up. The credentials come last, as Stores orders them.
func restoreStores(in stack.Inputs) []rathausv1alpha1.BackupStore {
	var out []rathausv1alpha1.BackupStore
	asked := in.Workspace.Spec.Restore.Stores
	for _, s := range Stores(in) {
		if src, err := source(in, s); err != nil || src.Taken != nil {
			continue
		}
		if slices.Contains(asked, s) || len(asked) == 0 && s != rathausv1alpha1.BackupCredentials {
			out = append(out, s)
		}
	}
	return out
}

// refuseCredentials says why the credentials a restore asks for cannot be restored; "" when
// they can or are not asked for. They are restored only into a workspace that has never been
// Ready, one created again to be restored (disaster recovery): a running workspace's databases
// keep the passwords they were created with, and would no longer let its services in.
func refuseCredentials(in stack.Inputs) string {
	if !slices.Contains(restoreStores(in), rathausv1alpha1.BackupCredentials) {
		return ""
	}
	if in.Workspace.Status.ProvisionedTime != nil {
		return "the credentials are restored only into a workspace created again to be restored, which has never been Ready: this one's databases keep the passwords they were created with; remove Credentials from restore.stores (docs/backup.md)"
	}
	if _, err := in.Image(stack.OperatorComponent); err != nil {
		return "cannot restore the credentials: " + err.Error()
	}
	return ""
}

// waitsFor are the stores that must be back before s is restored: the credentials before
// anything starts, and the database store before a volume whose paired databases' dumps
// replace the database store's.
func waitsFor(in stack.Inputs, s rathausv1alpha1.BackupStore) []rathausv1alpha1.BackupStore {
	if s == rathausv1alpha1.BackupCredentials {
		return nil
	}
	deps := []rathausv1alpha1.BackupStore{rathausv1alpha1.BackupCredentials}
	if src, err := source(in, s); err == nil {
		if _, paired := pairedDump(in, src); paired {
			deps = append(deps, rathausv1alpha1.BackupDatabase)
		}
	}
	return deps
}

// progress sorts the stores still to come back into those whose Jobs run now (every store
// they wait for is back) and those that wait.
func progress(in stack.Inputs, st *rathausv1alpha1.RestoreStatus) (running, later []string) {
	phase := map[rathausv1alpha1.BackupStore]rathausv1alpha1.RestorePhase{}
	for _, s := range st.Stores {
		phase[s.Store] = s.Phase
	}
	for _, s := range st.Stores {
		if s.Phase == rathausv1alpha1.RestoreSucceeded {
			continue
		}
		ready := true
		for _, dep := range waitsFor(in, s.Store) {
			if p, ok := phase[dep]; ok && p != rathausv1alpha1.RestoreSucceeded {
				ready = false
			}
		}
		if ready {
			running = append(running, string(s.Store))
		} else {
			later = append(later, string(s.Store))
		}
	}
	return running, later
}

// credentialsPending reports whether a restore under way still waits for the credentials,
// which come back before anything else.
func credentialsPending(st *rathausv1alpha1.RestoreStatus) bool {
	if st == nil || st.Phase != rathausv1alpha1.RestoreRestoring {
		return false
	}
	for _, s := range st.Stores {
		if s.Store == rathausv1alpha1.BackupCredentials {
			return s.Phase != rathausv1alpha1.RestoreSucceeded
		}
	}
	return false
}

func jobPhase(j *batchv1.Job) rathausv1alpha1.RestorePhase {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return rathausv1alpha1.RestoreSucceeded
		case batchv1.JobFailed:
			return rathausv1alpha1.RestoreFailed
		}
	}
	return rathausv1alpha1.RestoreRestoring
}

func snapshotOf(r *rathausv1alpha1.WorkspaceRestore) string {
	if r.Snapshot == "" {
		return "latest"
	}
	return r.Snapshot
}

func joinStores(stores []rathausv1alpha1.RestoreStoreStatus) string {
	names := make([]string, 0, len(stores))
	for _, s := range stores {
		names = append(names, string(s.Store))
	}
	return strings.Join(names, ", ")
}

func restoreJobName(s rathausv1alpha1.BackupStore, id string) string {
	return "rathaus-restore-" + storeName(s) + "-" + id
}

// restoreScript restores the newest (or the named) snapshot of the store's repository over
// the mounted volume, as the files' owner. The snapshot holds /data; "<snapshot>:/data"
// restores what lies below it into the volume, leaving the volume's root, which a new volume
// gives to root, untouched (restic cmd_restore.go@v0.19.1: the "snapshotID:subfolder"
// syntax). It deletes nothing the snapshot lacks: a restore never loses data written after
// the backup.
const restoreScript = `set -u
exec restic restore "$SNAPSHOT:/data" --tag "$STORE" --target /data --retry-lock 30m
`

// pgRestoreScript replaces each restored database's content with its dump, its objects owned
// by the database's own role (PostgreSQL 17 documentation, pg_restore).
const pgRestoreScript = `set -eu
for dump in "$DUMP_DIR"/*.pgdump; do
	[ -e "$dump" ] || continue
	db=$(basename "$dump" .pgdump)
	pg_restore --clean --if-exists --no-owner --role="$db" --dbname="$db" "$dump"
done
`

// restoreJobs are the Jobs of a restore under way, one per store, each once the stores before
// it are back (restoreRank); the credentials' with the access it needs, while it runs.
func restoreJobs(in stack.Inputs, image string) ([]client.Object, error) {
	st := Restore(in)
	if st == nil || st.Phase == rathausv1alpha1.RestoreSucceeded {
		return nil, nil
	}
	pending := credentialsPending(st)
	running, _ := progress(in, st)
	var out []client.Object
	for _, s := range st.Stores {
		if s.Phase == rathausv1alpha1.RestoreRestoring && !slices.Contains(running, string(s.Store)) {
			continue // waits for the stores before it
		}
		job, err := restoreJob(in, s.Store, image)
		if err != nil {
			return nil, err
		}
		out = append(out, job)
	}
	if pending {
		out = append(out, credentialsAccess(in)...)
	}
	return out, nil
}

func restoreJob(in stack.Inputs, s rathausv1alpha1.BackupStore, image string) (*batchv1.Job, error) {
	src, err := source(in, s)
	if err != nil {
		return nil, err
	}
	r := in.Workspace.Spec.Restore
	env := append(resticEnv(in, s, src), corev1.EnvVar{Name: "SNAPSHOT", Value: snapshotOf(r)})
	if r.FromNamespace != "" {
		setEnv(env, "RESTIC_REPOSITORY", repository(in, r.FromNamespace, s))
	}
	restic := corev1.Container{
		Name: "restic", Image: image, Command: []string{"/bin/sh", "-c", restoreScript}, Env: env,
		Resources: kit.Resources("100m", "256Mi", "1", "1Gi"), SecurityContext: kit.ContainerSecurity(true),
		VolumeMounts: []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}, {Name: "tmp", MountPath: "/tmp"}, {Name: "data", MountPath: dataDir}},
	}
	labels := kit.PodLabels(in, ComponentName)
	pod := corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		SecurityContext:              kit.PodSecurity(src.UID),
		AutomountServiceAccountToken: ptr.To(false),
		InitContainers:               []corev1.Container{restic},
		Volumes:                      []corev1.Volume{kit.EmptyDir("cache"), kit.EmptyDir("tmp")},
	}
	switch {
	case s == rathausv1alpha1.BackupCredentials:
		// The credentials come back into scratch space; the operator's own image puts them
		// into the workspace's Secrets.
		apply, err := credentialsContainer(in)
		if err != nil {
			return nil, err
		}
		pod.Containers = []corev1.Container{apply}
		pod.Volumes = append(pod.Volumes, kit.EmptyDir("data"))
		pod.ServiceAccountName, pod.AutomountServiceAccountToken = credentialsAccessName, ptr.To(true)
		labels[restoreRoleLabel] = credentialsRole
	case src.Dump != nil:
		// The dumps come back into scratch space first; the database's own image loads them.
		load, err := loadContainer(in, src.Dump, "data", dataDir, nil)
		if err != nil {
			return nil, err
		}
		pod.Containers = []corev1.Container{load}
		pod.Volumes = append(pod.Volumes, kit.EmptyDir("data"))
		maps.Copy(labels, src.Dump.PodLabels)
	default:
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: src.Claim},
		}})
		pod.Containers = []corev1.Container{restic}
		pod.InitContainers = nil
		if db, ok := pairedDump(in, src); ok {
			// The databases dumped with the volume come back after the database store's
			// restore, so that they and the files agree.
			if err := loadPaired(in, &pod, restic, db); err != nil {
				return nil, err
			}
			maps.Copy(labels, db.Dump.PodLabels)
		}
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: kit.Meta(in, ComponentName, restoreJobName(s, r.ID)),
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](2),
			ActiveDeadlineSeconds: ptr.To[int64](12 * 3600),
			Template:              corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod},
		},
	}, nil
}

// pairedRestoreScript restores the databases dumped with a volume into scratch space, if the
// snapshot has them (one taken before rathaus paired them has not: then the database store's
// restore stands alone). restic ls fails only when it cannot read the snapshot.
const pairedRestoreScript = `set -u
restic ls "$SNAPSHOT" --tag "$STORE" /dump >/tmp/ls || exit $?
if ! grep -q '^/dump/' /tmp/ls; then
	echo "snapshot $SNAPSHOT holds no database dump; the databases stay as the database store's restore left them"
	exit 0
fi
exec restic restore "$SNAPSHOT:/dump" --tag "$STORE" --target /dump --retry-lock 30m
`

// loadPaired makes pod restore the volume, then its paired databases' dumps into scratch
// space, then load them as the database's uid.
func loadPaired(in stack.Inputs, pod *corev1.PodSpec, restic corev1.Container, db stack.BackupSource) error {
	dumps := restic
	dumps.Name, dumps.Command = "restic-dump", []string{"/bin/sh", "-c", pairedRestoreScript}
	dumps.VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}, {Name: "tmp", MountPath: "/tmp"}, {Name: "dump", MountPath: pairedDir}}
	load, err := loadContainer(in, db.Dump, "dump", pairedDir, &db.UID)
	if err != nil {
		return err
	}
	pod.InitContainers = []corev1.Container{restic, dumps}
	pod.Containers = []corev1.Container{load}
	pod.Volumes = append(pod.Volumes, kit.EmptyDir("dump"))
	return nil
}

// loadContainer loads the dumps under dir into the database with the dump program's image
// and credentials, as uid when the pod runs as another.
func loadContainer(in stack.Inputs, dump *stack.BackupDump, volume, dir string, uid *int64) (corev1.Container, error) {
	return databaseContainer(in, dump, "load", pgRestoreScript, corev1.VolumeMount{Name: volume, MountPath: dir, ReadOnly: true}, uid)
}
