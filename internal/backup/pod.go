package backup

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// resticScript backs up $PATHS (/data: a volume, the dump or the credentials; /dump: the
// databases paired with a volume) into the store's
// repository, then forgets and prunes what the retention no longer keeps. It runs under the
// image's busybox sh, not its entrypoint (restic/restic docker/entrypoint.sh@v0.19.1 only adds
// nice/ionice). `restic init` is not idempotent: `restic cat config` exits 10 when the
// repository does not exist yet (doc/075_scripting.rst@v0.19.1, "Exit codes"). The backup's
// JSON summary, its last line, becomes the pod's termination message, so that its size can be
// read without access to logs.
const resticScript = `set -u
restic cat config >/dev/null 2>&1 || { rc=$?; [ "$rc" -eq 10 ] || exit "$rc"; restic init; }
rc=0
restic backup --host "$RESTIC_HOST" --tag "$STORE" --retry-lock 10m --json $EXCLUDE $PATHS >/tmp/backup.json || rc=$?
tail -n 1 /tmp/backup.json >/dev/termination-log
[ "$rc" -eq 0 ] || exit "$rc"
exec restic forget --host "$RESTIC_HOST" --tag "$STORE" --keep-last "$KEEP_LAST" --keep-within "${KEEP_DAYS}d" --prune --retry-lock 30m
`

// podSpec is the pod of a store's backup: an optional dump, then restic, as the uid that owns
// the data, next to the pods that mount a single-node volume.
func podSpec(in stack.Inputs, s rathausv1alpha1.BackupStore, src stack.BackupSource, image string) (corev1.PodSpec, error) {
	volumes := []corev1.Volume{kit.EmptyDir("cache"), kit.EmptyDir("tmp")}
	mounts := []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}, {Name: "tmp", MountPath: "/tmp"}, {Name: "data", MountPath: dataDir, ReadOnly: true}}
	var initContainers []corev1.Container
	switch {
	case s == rathausv1alpha1.BackupCredentials:
		volumes = append(volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{Projected: credentials(in)}})
	case src.Dump != nil:
		volumes = append(volumes, kit.EmptyDir("data"))
		dump, err := dumpContainer(in, src.Dump, "data", dataDir, nil)
		if err != nil {
			return corev1.PodSpec{}, err
		}
		initContainers = append(initContainers, dump)
	case src.Claim != "":
		volumes = append(volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: src.Claim, ReadOnly: true},
		}})
	default:
		return corev1.PodSpec{}, fmt.Errorf("store %s names neither a volume nor a dump", s)
	}
	env := resticEnv(in, s, src)
	if db, ok := pairedDump(in, src); ok {
		// The paired databases first, then the volume: one snapshot holds both.
		dump, err := dumpContainer(in, db.Dump, "dump", pairedDir, &db.UID)
		if err != nil {
			return corev1.PodSpec{}, err
		}
		initContainers = append(initContainers, dump)
		volumes = append(volumes, kit.EmptyDir("dump"))
		mounts = append(mounts, corev1.VolumeMount{Name: "dump", MountPath: pairedDir, ReadOnly: true})
		setEnv(env, "PATHS", dataDir+" "+pairedDir)
	}
	spec := corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		SecurityContext:              kit.PodSecurity(src.UID),
		AutomountServiceAccountToken: ptr.To(false),
		InitContainers:               initContainers,
		Containers: []corev1.Container{{
			Name:            "restic",
			Image:           image,
			Command:         []string{"/bin/sh", "-c", resticScript},
			Env:             env,
			Resources:       kit.Resources("100m", "256Mi", "1", "1Gi"),
			SecurityContext: kit.ContainerSecurity(true),
			VolumeMounts:    mounts,
		}},
		Volumes: volumes,
	}
	if len(src.Colocate) > 0 {
		// A ReadWriteOnce volume mounts on one node at a time: the backup goes to it.
		spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: src.Colocate},
				TopologyKey:   corev1.LabelHostname,
			}},
		}}
	}
	return spec, nil
}

// resticEnv configures restic for the store's repository (doc/075_scripting.rst@v0.19.1,
// "Environment variables"). Its cache must be writable: restic 0.19 refuses to run without
// one.
func resticEnv(in stack.Inputs, s rathausv1alpha1.BackupStore, src stack.BackupSource) []corev1.EnvVar {
	p := in.Platform.Spec.Backup
	keepLast, keepDays := Retention(p)
	excludes := make([]string, 0, len(src.Exclude))
	for _, e := range src.Exclude {
		excludes = append(excludes, "--exclude="+dataDir+"/"+e)
	}
	env := []corev1.EnvVar{
		{Name: "RESTIC_REPOSITORY", Value: Repository(in, s)},
		kit.SecretEnv("RESTIC_PASSWORD", KeySecret, "password"),
		kit.SecretEnv("AWS_ACCESS_KEY_ID", StoreSecret, "access-key"),
		kit.SecretEnv("AWS_SECRET_ACCESS_KEY", StoreSecret, "secret-key"),
		{Name: "RESTIC_CACHE_DIR", Value: "/cache"},
		{Name: "TMPDIR", Value: "/tmp"},
		{Name: "RESTIC_HOST", Value: in.Workspace.Name},
		{Name: "STORE", Value: storeName(s)},
		{Name: "PATHS", Value: dataDir},
		{Name: "EXCLUDE", Value: strings.Join(excludes, " ")},
		{Name: "KEEP_LAST", Value: fmt.Sprint(keepLast)},
		{Name: "KEEP_DAYS", Value: fmt.Sprint(keepDays)},
	}
	if r := p.Destination.Region; r != "" {
		env = append(env, corev1.EnvVar{Name: "AWS_DEFAULT_REGION", Value: r})
	}
	return env
}

// dumpContainer runs a dump program into the volume mounted at dir before restic starts, as
// uid when the pod runs as another; when it fails, the Job fails without a snapshot.
func dumpContainer(in stack.Inputs, dump *stack.BackupDump, volume, dir string, uid *int64) (corev1.Container, error) {
	return databaseContainer(in, dump, "dump", dump.Script, corev1.VolumeMount{Name: volume, MountPath: dir}, uid)
}

// databaseContainer runs script in the dump program's image, with its credentials and
// $DUMP_DIR the mount's path, as uid when the pod runs as another.
func databaseContainer(in stack.Inputs, dump *stack.BackupDump, name, script string, mount corev1.VolumeMount, uid *int64) (corev1.Container, error) {
	image, err := in.Image(dump.ReleaseComponent)
	if err != nil {
		return corev1.Container{}, err
	}
	c := corev1.Container{
		Name:            name,
		Image:           image,
		Command:         []string{"/bin/sh", "-c", script},
		Env:             append([]corev1.EnvVar{{Name: "DUMP_DIR", Value: mount.MountPath}}, dump.Env...),
		Resources:       kit.Resources("100m", "256Mi", "1", "1Gi"),
		SecurityContext: kit.ContainerSecurity(true),
		VolumeMounts:    []corev1.VolumeMount{mount, {Name: "tmp", MountPath: "/tmp"}},
	}
	if uid != nil {
		c.SecurityContext.RunAsUser = uid
	}
	return c, nil
}

// pairedDir is where a volume's paired databases are dumped to, and restored from.
const pairedDir = "/dump"

// pairedDump is the database store's dump program narrowed to the databases src pairs with
// its volume, with the database's uid; false when there are none, or the database store is
// not a dump (CloudNativePG's archive reaches any moment; an external one is the
// provider's).
func pairedDump(in stack.Inputs, src stack.BackupSource) (stack.BackupSource, bool) {
	if len(src.PairedDatabases) == 0 {
		return stack.BackupSource{}, false
	}
	db, err := source(in, rathausv1alpha1.BackupDatabase)
	if err != nil || db.Dump == nil {
		return stack.BackupSource{}, false
	}
	dump := *db.Dump
	dump.Env = slices.DeleteFunc(slices.Clone(dump.Env), func(e corev1.EnvVar) bool { return e.Name == "DATABASES" })
	dump.Env = append(dump.Env, corev1.EnvVar{Name: "DATABASES", Value: strings.Join(src.PairedDatabases, " ")})
	db.Dump = &dump
	return db, true
}

// setEnv sets an existing variable of env, and reports whether there was one.
func setEnv(env []corev1.EnvVar, name, value string) bool {
	for i := range env {
		if env[i].Name == name {
			env[i].Value = value
			return true
		}
	}
	return false
}

// credentials projects every generated Secret of the workspace into one directory, a
// subdirectory each: what is needed to read the other stores' data back (database
// passwords, Nextcloud's secret, the DKIM key).
func credentials(in stack.Inputs) *corev1.ProjectedVolumeSource {
	v := &corev1.ProjectedVolumeSource{}
	for _, spec := range in.Credentials {
		var items []corev1.KeyToPath
		for _, key := range spec.KeyNames() {
			items = append(items, corev1.KeyToPath{Key: key, Path: spec.Name + "/" + key})
		}
		v.Sources = append(v.Sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: spec.Name},
			Items:                items,
		}})
	}
	return v
}
