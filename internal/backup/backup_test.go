package backup

import (
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
)

var (
	keyRef   = rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "backup-key"}
	storeRef = rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "backup-store"}
	t0       = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
)

// inputs are a workspace with files, mail and media whose components declared their data as
// the registered ones do (desired.Derive fills BackupSources; the registry's tests check it).
func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"}},
		Platform: &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{Backup: &rathausv1alpha1.BackupPolicy{
			Destination:         &rathausv1alpha1.BackupDestination{Endpoint: "backup.example.eu", Port: 9000, Bucket: "rathaus", Prefix: "cluster-a", Region: "eu-central-1", CredentialsSecret: storeRef},
			EncryptionKeySecret: &keyRef,
			MediaSchedule:       "0 3 * * 6",
		}}},
		Release: &rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2026.11.0", Components: []rathausv1alpha1.Component{
			{Name: "restic", Image: "docker.io/restic/restic", Version: "0.19.1"},
			{Name: "postgresql", Image: "docker.io/library/postgres", Version: "17.11"},
		}}},
		Credentials: []secrets.Spec{
			{Name: "rathaus-db-nextcloud", Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": "nextcloud", "host": "db"}},
			{Name: "rathaus-nextcloud-admin", Keys: []secrets.Key{secrets.Password("password")}},
		},
		BackupSources: []stack.BackupSource{
			{Store: rathausv1alpha1.BackupDatabase, Component: "database", UID: 999, Dump: &stack.BackupDump{ReleaseComponent: "postgresql", Script: "pg_dump ...", PodLabels: map[string]string{"rathaus.io/database-client": "true"}}},
			{Store: rathausv1alpha1.BackupFiles, Claim: "rathaus-nextcloud-data", UID: 33, Colocate: map[string]string{"app.kubernetes.io/name": "nextcloud"}},
			{Store: rathausv1alpha1.BackupMedia, Claim: "rathaus-opencast-data", UID: 800, Exclude: []string{"opencast/workspace"}},
		},
		PlatformSecrets: map[string]map[string][]byte{
			stack.RefKey(keyRef):   {"password": []byte("k")},
			stack.RefKey(storeRef): {"access-key": []byte("a"), "secret-key": []byte("s")},
		},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func TestStores(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*stack.Inputs)
		want   []rathausv1alpha1.BackupStore
	}{
		{"every store with data", func(*stack.Inputs) {}, []rathausv1alpha1.BackupStore{"Database", "Files", "Media", "Credentials"}},
		{"no policy, no backups", func(in *stack.Inputs) { in.Platform.Spec.Backup = nil }, nil},
		{"excluded by the provider", func(in *stack.Inputs) { in.Platform.Spec.Backup.Exclude = []rathausv1alpha1.BackupStore{"Media"} }, []rathausv1alpha1.BackupStore{"Database", "Files", "Credentials"}},
		{"only what components declare", func(in *stack.Inputs) { in.BackupSources = in.BackupSources[1:2] }, []rathausv1alpha1.BackupStore{"Files", "Credentials"}},
		{"no credentials, no credentials store", func(in *stack.Inputs) { in.Credentials = nil; in.BackupSources = nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Stores(inputs(tt.mutate)); !slices.Equal(got, tt.want) {
				t.Fatalf("Stores = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScheduleRetentionAndMaxAge(t *testing.T) {
	p := inputs().Platform.Spec.Backup
	if Schedule(p, "Files") != DefaultSchedule || Schedule(p, "Media") != "0 3 * * 6" {
		t.Errorf("schedules: files %q, media %q", Schedule(p, "Files"), Schedule(p, "Media"))
	}
	if last, days := Retention(p); last != DefaultKeepLast || days != DefaultKeepDays {
		t.Errorf("default retention %d, %d", last, days)
	}
	p.Retention = rathausv1alpha1.BackupRetention{KeepLast: 3, KeepDays: 90}
	p.MaxAge = &rathausv1alpha1.Duration{Duration: 8 * 24 * time.Hour}
	if last, days := Retention(p); last != 3 || days != 90 || MaxAge(p) != 8*24*time.Hour {
		t.Errorf("retention %d, %d, max age %s", last, days, MaxAge(p))
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		schedule string
		want     time.Time
	}{
		{"0 2 * * *", time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)},
		{"30 3 * * *", time.Date(2026, 12, 6, 3, 30, 0, 0, time.UTC)},
		{"0 3 * * 6", time.Date(2026, 12, 12, 3, 0, 0, 0, time.UTC)}, // 2026-12-06 is a Sunday
		{"@weekly", time.Date(2026, 12, 13, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got, err := Next(tt.schedule, t0); err != nil || !got.Equal(tt.want) {
			t.Errorf("Next(%q) = %s, %v; want %s", tt.schedule, got, err, tt.want)
		}
	}
	if _, err := Next("0 2 * *", t0); err == nil {
		t.Error("a schedule of four fields must not parse")
	}
}

func observeCronJob(in *stack.Inputs, store rathausv1alpha1.BackupStore, created time.Time, lastSuccess *time.Time) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: cronJobName(store), Namespace: "kiel", CreationTimestamp: metav1.NewTime(created)}}
	if lastSuccess != nil {
		cj.Status.LastSuccessfulTime = &metav1.Time{Time: *lastSuccess}
		cj.Status.LastScheduleTime = &metav1.Time{Time: lastSuccess.Add(-time.Minute)}
	}
	if in.Observed == nil {
		in.Observed = map[string]client.Object{}
	}
	in.Observed[stack.Key("CronJob", "kiel", cj.Name)] = cj
}

func TestStatusesAndCondition(t *testing.T) {
	recent, old := t0.Add(-time.Hour), t0.Add(-30*time.Hour)
	tests := []struct {
		name    string
		mutate  func(*stack.Inputs)
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{"nothing ran yet", func(*stack.Inputs) {}, metav1.ConditionUnknown, rathausv1alpha1.ReasonFirstBackupPending, "Database, Files, Media, Credentials"},
		{"every store recent", func(in *stack.Inputs) {
			for _, s := range stores {
				observeCronJob(in, s, old, &recent)
			}
		}, metav1.ConditionTrue, rathausv1alpha1.ReasonBackupsCurrent, ""},
		{"one store too old", func(in *stack.Inputs) {
			for _, s := range stores {
				observeCronJob(in, s, old.Add(-time.Hour), &recent)
			}
			observeCronJob(in, rathausv1alpha1.BackupMedia, old.Add(-time.Hour), &old)
		}, metav1.ConditionFalse, rathausv1alpha1.ReasonBackupOverdue, "Media: the newest successful backup finished at 2026-12-04T21:00:00Z, more than 26h0m0s ago"},
		{"none succeeded since it was scheduled", func(in *stack.Inputs) { observeCronJob(in, rathausv1alpha1.BackupFiles, old, nil) },
			metav1.ConditionFalse, rathausv1alpha1.ReasonBackupOverdue, "Files: no backup has succeeded in the 26h0m0s since it was scheduled"},
		{"young and not run yet", func(in *stack.Inputs) { observeCronJob(in, rathausv1alpha1.BackupFiles, recent, nil) },
			metav1.ConditionUnknown, rathausv1alpha1.ReasonFirstBackupPending, "Files"},
		{"the newest run failed", func(in *stack.Inputs) {
			for _, s := range stores {
				observeCronJob(in, s, old, &recent)
			}
			cj := in.Observed[stack.Key("CronJob", "kiel", cronJobName(rathausv1alpha1.BackupFiles))].(*batchv1.CronJob)
			cj.Status.LastScheduleTime = &metav1.Time{Time: recent.Add(30 * time.Minute)}
		}, metav1.ConditionFalse, rathausv1alpha1.ReasonBackupFailed, "Files: the backup started at 2026-12-06T02:30:00Z did not succeed"},
		{"the newest run still runs", func(in *stack.Inputs) {
			for _, s := range stores {
				observeCronJob(in, s, old, &recent)
			}
			cj := in.Observed[stack.Key("CronJob", "kiel", cronJobName(rathausv1alpha1.BackupFiles))].(*batchv1.CronJob)
			cj.Status.LastScheduleTime = &metav1.Time{Time: recent.Add(30 * time.Minute)}
			cj.Status.Active = []corev1.ObjectReference{{Name: "rathaus-backup-files-29000000"}}
		}, metav1.ConditionTrue, rathausv1alpha1.ReasonBackupsCurrent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assessed := Assess(inputs(tt.mutate), t0)
			statuses := statusesOf(assessed)
			if len(statuses) != 4 || statuses[2].Schedule != "0 3 * * 6" || statuses[0].NextScheduleTime == nil || !statuses[0].NextScheduleTime.Equal(&metav1.Time{Time: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)}) {
				t.Fatalf("statuses = %+v", statuses)
			}
			c := Condition(assessed)
			if c.Type != rathausv1alpha1.ConditionBackupsHealthy || c.Status != tt.status || c.Reason != tt.reason || !strings.Contains(c.Message, tt.message) {
				t.Fatalf("condition = %s %s %q, want %s %s containing %q", c.Status, c.Reason, c.Message, tt.status, tt.reason, tt.message)
			}
		})
	}
}

func rendered(t *testing.T, in stack.Inputs) map[string]*batchv1.CronJob {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*batchv1.CronJob{}
	for _, o := range objs {
		if cj, ok := o.(*batchv1.CronJob); ok {
			out[cj.Name] = cj
		}
	}
	return out
}

func env(c corev1.Container, name string) (corev1.EnvVar, bool) {
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
	if i < 0 {
		return corev1.EnvVar{}, false
	}
	return c.Env[i], true
}

// TestEachStoreRunsAsItsOwner: a backup reads its data as the uid that owns it, and a
// single-node volume is mounted read-only next to the pods that use it.
func TestEachStoreRunsAsItsOwner(t *testing.T) {
	jobs := rendered(t, inputs())
	if len(jobs) != 4 {
		t.Fatalf("rendered %d CronJobs, want 4", len(jobs))
	}
	for name, want := range map[string]int64{"rathaus-backup-database": 999, "rathaus-backup-files": 33, "rathaus-backup-media": 800, "rathaus-backup-credentials": credentialsUID} {
		pod := jobs[name].Spec.JobTemplate.Spec.Template.Spec
		if uid := *pod.SecurityContext.RunAsUser; uid != want {
			t.Errorf("%s runs as %d, want %d", name, uid, want)
		}
	}
	files := jobs["rathaus-backup-files"].Spec.JobTemplate.Spec.Template.Spec
	if files.Volumes[2].PersistentVolumeClaim == nil || !files.Volumes[2].PersistentVolumeClaim.ReadOnly || files.Affinity == nil {
		t.Errorf("files: the volume must be mounted read-only next to Nextcloud: %+v %+v", files.Volumes, files.Affinity)
	}
	db := jobs["rathaus-backup-database"].Spec.JobTemplate
	if len(db.Spec.Template.Spec.InitContainers) != 1 || db.Spec.Template.Labels["rathaus.io/database-client"] != "true" {
		t.Errorf("database: the dump runs first, as a database client: %+v", db.Spec.Template)
	}
	creds := jobs["rathaus-backup-credentials"].Spec.JobTemplate.Spec.Template.Spec.Volumes[2].Projected
	var paths []string
	for _, s := range creds.Sources {
		for _, item := range s.Secret.Items {
			paths = append(paths, item.Path)
		}
	}
	if !slices.Equal(paths, []string{"rathaus-db-nextcloud/password", "rathaus-db-nextcloud/host", "rathaus-db-nextcloud/username", "rathaus-nextcloud-admin/password"}) {
		t.Errorf("credentials are projected as %v; each Secret needs its own directory", paths)
	}
	if media, _ := env(jobs["rathaus-backup-media"].Spec.JobTemplate.Spec.Template.Spec.Containers[0], "EXCLUDE"); media.Value != "--exclude=/data/opencast/workspace" {
		t.Errorf("media excludes %q", media.Value)
	}
}

// TestResticHasAWritableCache: restic 0.19 refuses to run when its cache directory cannot be
// written (restic/restic internal/global/global.go@v0.19.1, setupCache), and a non-root user
// has no home to put it in. RESTIC_CACHE_DIR and TMPDIR must name writable scratch volumes.
func TestResticHasAWritableCache(t *testing.T) {
	for name, cj := range rendered(t, inputs()) {
		pod := cj.Spec.JobTemplate.Spec.Template.Spec
		restic := pod.Containers[0]
		for _, variable := range []string{"RESTIC_CACHE_DIR", "TMPDIR"} {
			e, ok := env(restic, variable)
			if !ok {
				t.Errorf("%s: %s is not set", name, variable)
				continue
			}
			i := slices.IndexFunc(restic.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == e.Value })
			if i < 0 || restic.VolumeMounts[i].ReadOnly {
				t.Errorf("%s: %s=%s is not a writable mount", name, variable, e.Value)
				continue
			}
			v := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == restic.VolumeMounts[i].Name })
			if v < 0 || pod.Volumes[v].EmptyDir == nil {
				t.Errorf("%s: %s is not on scratch space", name, variable)
			}
		}
	}
}

func TestRepositoryAndSchedule(t *testing.T) {
	in := inputs()
	if got := Repository(in, rathausv1alpha1.BackupFiles); got != "s3:https://backup.example.eu:9000/rathaus/cluster-a/kiel/files" {
		t.Errorf("repository %s", got)
	}
	jobs := rendered(t, in)
	if s := jobs["rathaus-backup-media"].Spec.Schedule; s != "0 3 * * 6" {
		t.Errorf("media schedule %q", s)
	}
	if c := jobs["rathaus-backup-files"].Spec.ConcurrencyPolicy; c != batchv1.ForbidConcurrent {
		t.Errorf("a store's backups may overlap: %s", c)
	}
	if region, _ := env(jobs["rathaus-backup-files"].Spec.JobTemplate.Spec.Template.Spec.Containers[0], "AWS_DEFAULT_REGION"); region.Value != "eu-central-1" {
		t.Errorf("region %q", region.Value)
	}
	if objs, err := (Component{}).Render(inputs(func(in *stack.Inputs) { in.Platform.Spec.Backup = nil })); err != nil || len(objs) != 0 {
		t.Errorf("without a policy: %d objects, %v", len(objs), err)
	}
}

// TestAnotherOperatorsBackups: a store another operator backs up (CloudNativePG) gets no Job
// of ours, and its status is what that operator reports.
func TestAnotherOperatorsBackups(t *testing.T) {
	done := metav1.NewTime(t0.Add(-2 * time.Hour))
	in := inputs(func(in *stack.Inputs) {
		in.BackupSources[0] = stack.BackupSource{Store: rathausv1alpha1.BackupDatabase, Taken: &stack.BackupReport{LastSuccessfulTime: &done, Since: t0.Add(-48 * time.Hour)}}
	})
	if _, ok := rendered(t, in)["rathaus-backup-database"]; ok {
		t.Errorf("a CronJob for a store CloudNativePG backs up")
	}
	st := statusesOf(Assess(in, t0))
	if st[0].Store != rathausv1alpha1.BackupDatabase || st[0].LastSuccessfulTime == nil || !st[0].LastSuccessfulTime.Equal(&done) || st[0].Message != "" {
		t.Errorf("database status = %+v", st[0])
	}
	in.BackupSources[0].Taken = &stack.BackupReport{Since: t0.Add(-48 * time.Hour)}
	if st := statusesOf(Assess(in, t0)); !strings.Contains(st[0].Message, "no backup has succeeded") {
		t.Errorf("an operator that never succeeded: %+v", st[0])
	}
}

func TestReportStatusOwnsItsPart(t *testing.T) {
	st := &rathausv1alpha1.MunicipalityWorkspaceStatus{}
	Component{}.ReportStatus(inputs(), t0, st)
	if len(st.Backups) != 4 || len(st.Conditions) != 1 || st.Conditions[0].Type != rathausv1alpha1.ConditionBackupsHealthy {
		t.Fatalf("status = %+v", st)
	}
	Component{}.ReportStatus(inputs(func(in *stack.Inputs) { in.Platform.Spec.Backup = nil }), t0, st)
	if st.Backups != nil || len(st.Conditions) != 0 {
		t.Fatalf("without a policy the backup status stays: %+v", st)
	}
}

func TestVeleroAnnotations(t *testing.T) {
	got := VeleroAnnotations(map[string]string{"kept": "yes"}, []string{"dump"}, []string{"data"},
		&VeleroHook{Container: "db", Command: []string{"/bin/sh", "-c", "echo \"x\""}, Timeout: "30m", OnError: "Fail"}, nil)
	want := map[string]string{
		"kept":                            "yes",
		"backup.velero.io/backup-volumes": "dump",
		"backup.velero.io/backup-volumes-excludes": "data",
		"pre.hook.backup.velero.io/container":      "db",
		"pre.hook.backup.velero.io/command":        `["/bin/sh","-c","echo \"x\""]`,
		"pre.hook.backup.velero.io/timeout":        "30m",
		"pre.hook.backup.velero.io/on-error":       "Fail",
	}
	if len(got) != len(want) {
		t.Fatalf("annotations = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestVeleroTakesNoBackupsOfOurs: with the Velero method rathaus renders nothing of its own,
// reads no platform Secret and reports no backup status (Velero's own metrics do).
func TestVeleroTakesNoBackupsOfOurs(t *testing.T) {
	in := inputs(func(in *stack.Inputs) {
		in.Platform.Spec.Backup = &rathausv1alpha1.BackupPolicy{Method: rathausv1alpha1.BackupVelero}
	})
	if objs, err := (Component{}).Render(in); err != nil || len(objs) != 0 {
		t.Errorf("Render = %d objects, %v", len(objs), err)
	}
	if refs := (Component{}).PlatformSecrets(in.Platform); len(refs) != 0 {
		t.Errorf("reads %v", refs)
	}
	st := &rathausv1alpha1.MunicipalityWorkspaceStatus{Backups: []rathausv1alpha1.BackupStatus{{Store: "Files"}}}
	Component{}.ReportStatus(in, t0, st)
	if st.Backups != nil {
		t.Errorf("backups = %v", st.Backups)
	}
}

// TestWorkspaceTime: a municipality may move its backups to another time of day where the
// platform lets it, never make them run more often.
func TestWorkspaceTime(t *testing.T) {
	chose := func(allowed bool, at string) func(*stack.Inputs) {
		return func(in *stack.Inputs) {
			in.Platform.Spec.Backup.WorkspaceTime = allowed
			in.Workspace.Spec.Backup = &rathausv1alpha1.WorkspaceBackup{Time: at}
		}
	}
	tests := []struct {
		name  string
		in    stack.Inputs
		files string
		media string
	}{
		{"the platform's", inputs(), "0 2 * * *", "0 3 * * 6"},
		{"chosen and allowed", inputs(chose(true, "23:05")), "5 23 * * *", "5 23 * * 6"},
		{"midnight", inputs(chose(true, "00:00")), "0 0 * * *", "0 0 * * 6"},
		{"chosen, not allowed", inputs(chose(false, "23:05")), "0 2 * * *", "0 3 * * 6"},
		{"a descriptor keeps its time", inputs(chose(true, "23:05"), func(in *stack.Inputs) { in.Platform.Spec.Backup.MediaSchedule = "@weekly" }), "5 23 * * *", "@weekly"},
	}
	for _, tt := range tests {
		if files, media := WorkspaceSchedule(tt.in, "Files"), WorkspaceSchedule(tt.in, "Media"); files != tt.files || media != tt.media {
			t.Errorf("%s: files %q, media %q; want %q, %q", tt.name, files, media, tt.files, tt.media)
		}
	}
	if s := rendered(t, inputs(chose(true, "23:05")))["rathaus-backup-files"].Spec.Schedule; s != "5 23 * * *" {
		t.Errorf("the CronJob runs at %q", s)
	}
}

func statusesOf(assessed []Assessment) []rathausv1alpha1.BackupStatus {
	var out []rathausv1alpha1.BackupStatus
	for _, a := range assessed {
		out = append(out, a.Status)
	}
	return out
}

// TestPairedDatabasesAreDumpedWithTheVolume: a volume that pairs databases is backed up with a
// dump of them taken just before it, by the database store's program, as the database's uid
// and with its client label; without a dump program (CloudNativePG) it is backed up alone.
func TestPairedDatabasesAreDumpedWithTheVolume(t *testing.T) {
	pair := func(in *stack.Inputs) { in.BackupSources[1].PairedDatabases = []string{"nextcloud"} }
	files := rendered(t, inputs(pair))["rathaus-backup-files"].Spec.JobTemplate
	pod := files.Spec.Template.Spec
	if len(pod.InitContainers) != 1 {
		t.Fatalf("init containers: %+v", pod.InitContainers)
	}
	dump := pod.InitContainers[0]
	if dbs, _ := env(dump, "DATABASES"); dbs.Value != "nextcloud" || *dump.SecurityContext.RunAsUser != 999 || dump.Image != "docker.io/library/postgres:17.11" {
		t.Errorf("dump: %+v", dump)
	}
	if paths, _ := env(pod.Containers[0], "PATHS"); paths.Value != "/data /dump" {
		t.Errorf("restic backs up %q, want the volume and the dump in one snapshot", paths.Value)
	}
	if files.Spec.Template.Labels["rathaus.io/database-client"] != "true" {
		t.Error("the files' backup cannot reach the database")
	}
	if dbs, _ := env(rendered(t, inputs(pair))["rathaus-backup-database"].Spec.JobTemplate.Spec.Template.Spec.InitContainers[0], "DATABASES"); dbs.Value == "nextcloud" {
		t.Error("pairing narrowed the database store's own dump")
	}
	cnpg := inputs(pair, func(in *stack.Inputs) {
		in.BackupSources[0] = stack.BackupSource{Store: rathausv1alpha1.BackupDatabase, Taken: &stack.BackupReport{}}
	})
	if pod := rendered(t, cnpg)["rathaus-backup-files"].Spec.JobTemplate.Spec.Template.Spec; len(pod.InitContainers) != 0 {
		t.Errorf("without a dump program, the files are backed up alone: %+v", pod.InitContainers)
	}
}
