package backup

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/status"
)

const (
	// ComponentName labels the backup's objects.
	ComponentName = "backup"
	// ReleaseComponent is restic's image in the release.
	ReleaseComponent = "restic"
	// KeySecret and StoreSecret are the workspace's copies of the platform's encryption key
	// and object store credentials.
	KeySecret   = "rathaus-backup-key"
	StoreSecret = "rathaus-backup-store"
	// credentialsUID runs the credentials store's backup: the projected Secrets are readable
	// by anyone in the pod, and nothing of it is restored as a file.
	credentialsUID = 65532
	dataDir        = "/data"
	dumpDir        = "/dump"
)

// Component renders one CronJob per store, the copies of the platform's key and credentials
// it reads, and its way out to the object store.
type Component struct{}

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ReleaseComponents implements stack.Released: restic keeps nothing in the cluster, and a new
// version reads the repositories older ones wrote (repository format v2 since 0.14).
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{{Name: ReleaseComponent, Upgrade: stack.ForwardOnly}}
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return []schema.GroupVersionKind{kit.CronJobKind, kit.JobKind, kit.SecretKind, kit.NetworkPolicyKind, kit.ServiceAccountKind, kit.RoleKind, kit.RoleBindingKind}
}

// PlatformSecrets implements stack.PlatformSecretUser.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	if !ToObjectStore(p.Spec.Backup) {
		return nil
	}
	return []rathausv1alpha1.NamespacedName{*p.Spec.Backup.EncryptionKeySecret, p.Spec.Backup.Destination.CredentialsSecret}
}

// Pending implements stack.Pender: a workspace held for a restore is not Ready, and says so.
func (Component) Pending(in stack.Inputs) string {
	if in.Workspace == nil || in.Platform == nil || !Holding(in) {
		return ""
	}
	return Restore(in).Message
}

// ReportStatus implements stack.StatusReporter: status.backups and BackupsHealthy, which are
// removed while the platform takes no backups, and status.restore.
func (Component) ReportStatus(in stack.Inputs, now time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
	if in.Workspace != nil && in.Platform != nil {
		st.Restore = Restore(in)
	}
	assessed := Assess(in, now)
	if len(assessed) == 0 {
		st.Backups = nil
		meta.RemoveStatusCondition(&st.Conditions, rathausv1alpha1.ConditionBackupsHealthy)
		return
	}
	st.Backups = make([]rathausv1alpha1.BackupStatus, 0, len(assessed))
	for _, a := range assessed {
		st.Backups = append(st.Backups, a.Status)
	}
	c := Condition(assessed)
	c.ObservedGeneration = in.Workspace.Generation
	status.SetCondition(&st.Conditions, c, metav1.NewTime(now))
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	p := in.Platform.Spec.Backup
	storesOf := Stores(in)
	if p == nil || len(storesOf) == 0 {
		return nil, nil
	}
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	var out []client.Object
	for _, ref := range []struct {
		name string
		from rathausv1alpha1.NamespacedName
		keys []string
	}{
		{KeySecret, *p.EncryptionKeySecret, []string{"password"}},
		{StoreSecret, p.Destination.CredentialsSecret, []string{"access-key", "secret-key"}},
	} {
		if s, ok := kit.PlatformSecretCopy(in, ComponentName, ref.name, ref.from, corev1.SecretTypeOpaque, ref.keys...); ok {
			out = append(out, s)
		}
	}
	restores, err := restoreJobs(in, image)
	if err != nil {
		return nil, err
	}
	out = append(out, restores...)
	for _, s := range storesOf {
		if src, err := source(in, s); err == nil && src.Taken != nil {
			continue // another operator backs it up
		}
		job, err := cronJob(in, s, image)
		if err != nil {
			return nil, err
		}
		out = append(out, job)
	}
	selector := map[string]string{kit.AppLabel: ComponentName}
	out = append(out, netpol.ToInternet(in, ComponentName, "rathaus-backup-store", selector, stack.URLPort(endpointURL(p.Destination))))
	return out, nil
}

// endpointURL is the object store's https URL.
func endpointURL(d *rathausv1alpha1.BackupDestination) string {
	if d.Port != 0 {
		return "https://" + d.Endpoint + ":" + strconv.Itoa(int(d.Port))
	}
	return "https://" + d.Endpoint
}

// Repository is the restic repository of a workspace's store (restic's S3 URL form,
// doc/030_preparing_a_new_repo.rst): path-style, bucket first.
func Repository(in stack.Inputs, s rathausv1alpha1.BackupStore) string {
	return repository(in, in.Workspace.Namespace, s)
}

// repository is the repository of a store of the workspace in namespace.
func repository(in stack.Inputs, namespace string, s rathausv1alpha1.BackupStore) string {
	d := in.Platform.Spec.Backup.Destination
	parts := []string{d.Bucket}
	if d.Prefix != "" {
		parts = append(parts, d.Prefix)
	}
	parts = append(parts, namespace, storeName(s))
	return "s3:" + endpointURL(d) + "/" + strings.Join(parts, "/")
}

func storeName(s rathausv1alpha1.BackupStore) string { return strings.ToLower(string(s)) }

func cronJobName(s rathausv1alpha1.BackupStore) string { return "rathaus-backup-" + storeName(s) }

// source is the store's data: the component's declaration, or the generated credentials.
func source(in stack.Inputs, s rathausv1alpha1.BackupStore) (stack.BackupSource, error) {
	if s == rathausv1alpha1.BackupCredentials {
		return stack.BackupSource{Store: s, UID: credentialsUID}, nil
	}
	var found []stack.BackupSource
	for _, src := range in.BackupSources {
		if src.Store == s {
			found = append(found, src)
		}
	}
	if len(found) != 1 {
		return stack.BackupSource{}, fmt.Errorf("store %s has %d sources; a store is one volume or one dump", s, len(found))
	}
	return found[0], nil
}

func cronJob(in stack.Inputs, s rathausv1alpha1.BackupStore, image string) (*batchv1.CronJob, error) {
	src, err := source(in, s)
	if err != nil {
		return nil, err
	}
	pod, err := podSpec(in, s, src, image)
	if err != nil {
		return nil, err
	}
	labels := kit.PodLabels(in, ComponentName)
	labels[StoreLabel] = storeName(s)
	for _, dump := range dumpsOf(in, src) {
		for k, v := range dump.PodLabels {
			labels[k] = v
		}
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: kit.Meta(in, ComponentName, cronJobName(s)),
		Spec: batchv1.CronJobSpec{
			Schedule: WorkspaceSchedule(in, s),
			TimeZone: ptr.To("Etc/UTC"),
			// One backup of a store at a time; a run that could not start within an hour
			// waits for the next.
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr.To[int64](3600),
			SuccessfulJobsHistoryLimit: ptr.To[int32](1),
			FailedJobsHistoryLimit:     ptr.To[int32](3),
			JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{
					BackoffLimit:          ptr.To[int32](2),
					ActiveDeadlineSeconds: ptr.To[int64](6 * 3600),
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec:       pod,
					},
				},
			},
		},
	}, nil
}

// dumpsOf are the dump programs a store's pods run: its own, or the databases paired with its
// volume; their pods must carry what lets them reach the database.
func dumpsOf(in stack.Inputs, src stack.BackupSource) []*stack.BackupDump {
	if src.Dump != nil {
		return []*stack.BackupDump{src.Dump}
	}
	if db, ok := pairedDump(in, src); ok {
		return []*stack.BackupDump{db.Dump}
	}
	return nil
}
