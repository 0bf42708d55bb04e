package controllers_test

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/credrestore"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/testutil/rollout"
)

var _ = Describe("Backups", func() {
	ctx := context.Background()

	stores := func(ws *rathausv1alpha1.MunicipalityWorkspace) func() map[rathausv1alpha1.BackupStore]rathausv1alpha1.BackupStatus {
		return func() map[rathausv1alpha1.BackupStore]rathausv1alpha1.BackupStatus {
			out := map[rathausv1alpha1.BackupStore]rathausv1alpha1.BackupStatus{}
			for _, b := range getWorkspace(ctx, ws).Status.Backups {
				out[b.Store] = b
			}
			return out
		}
	}

	// workspaceWithBackups is a workspace with files on a platform of its own that backs up to
	// an object store.
	workspaceWithBackups := func(mutate ...func(*rathausv1alpha1.MunicipalityWorkspace)) (*rathausv1alpha1.WorkspacePlatform, *rathausv1alpha1.MunicipalityWorkspace) {
		system := createNamespace(ctx)
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system, Name: "backup-key"}, StringData: map[string]string{"password": "k"}})).To(Succeed())
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system, Name: "backup-store"}, StringData: map[string]string{"access-key": "a", "secret-key": "s"}})).To(Succeed())
		platform := ensurePlatform(ctx, uniqueName("backups"), func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Backup = &rathausv1alpha1.BackupPolicy{
				Destination:         &rathausv1alpha1.BackupDestination{Endpoint: "backup.example.eu", Bucket: "rathaus", CredentialsSecret: rathausv1alpha1.NamespacedName{Namespace: system, Name: "backup-store"}},
				EncryptionKeySecret: &rathausv1alpha1.NamespacedName{Namespace: system, Name: "backup-key"},
			}
		})
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", append([]func(*rathausv1alpha1.MunicipalityWorkspace){func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform.Name
			w.Spec.Services.Files.Enabled = true
		}}, mutate...)...)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		return platform, ws
	}

	It("schedules a backup per store, reports each in status, and says when they are current", func() {
		platform, ws := workspaceWithBackups()
		ns := ws.Namespace

		By("one CronJob per store with data: the databases, Nextcloud's volume, the credentials")
		names := []string{"rathaus-backup-database", "rathaus-backup-files", "rathaus-backup-credentials"}
		for _, name := range names {
			Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &batchv1.CronJob{}) }).Should(Succeed(), name)
		}
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-backup-media"}, &batchv1.CronJob{}))).To(BeTrue(), "media is off")
		Eventually(stores(ws)).Should(HaveLen(3))
		for store, st := range stores(ws)() {
			Expect(st.Schedule).To(Equal("0 2 * * *"), string(store))
			Expect(st.NextScheduleTime).NotTo(BeNil(), string(store))
			Expect(st.NextScheduleTime.Time).To(BeTemporally(">", time.Now()))
			Expect(st.LastSuccessfulTime).To(BeNil())
		}
		Eventually(condition(ctx, ws, rathausv1alpha1.ConditionBackupsHealthy)).Should(Equal("Unknown/FirstBackupPending"))
		Expect(condition(ctx, ws, rathausv1alpha1.ConditionStalled)()).To(BeEmpty(), "backups never stall a workspace")

		By("the Jobs succeed: the CronJobs record it and the workspace reports it, with the size restic reported")
		done := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
		filesJob := &batchv1.CronJob{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-backup-files"}, filesJob)).To(Succeed())
		template := filesJob.Spec.JobTemplate.Spec.Template
		run := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rathaus-backup-files-29000000-abcde", Labels: template.Labels}, Spec: template.Spec}
		Expect(k8s.Create(ctx, run)).To(Succeed())
		snapshot := strings.Repeat("5e", 32)
		run.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "restic", Image: "docker.io/restic/restic:0.19.1",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, FinishedAt: done, Message: `{"message_type":"summary","data_added":4096,"data_added_packed":2048,"total_files_processed":3,"total_bytes_processed":1073741824,"snapshot_id":"` + snapshot + `"}`}},
		}}}
		Expect(k8s.Status().Update(ctx, run)).To(Succeed())
		for _, name := range names {
			cj := &batchv1.CronJob{}
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cj)).To(Succeed())
			cj.Status.LastScheduleTime = &metav1.Time{Time: done.Add(-time.Minute)}
			cj.Status.LastSuccessfulTime = &done
			Expect(k8s.Status().Update(ctx, cj)).To(Succeed())
		}
		Eventually(condition(ctx, ws, rathausv1alpha1.ConditionBackupsHealthy)).Should(Equal("True/BackupsCurrent"))
		for store, st := range stores(ws)() {
			Expect(st.LastSuccessfulTime).NotTo(BeNil(), string(store))
			Expect(st.LastSuccessfulTime.Time.Equal(done.Time)).To(BeTrue(), string(store))
		}
		Eventually(func() string {
			files := stores(ws)()[rathausv1alpha1.BackupFiles]
			if files.Size == nil || files.Added == nil {
				return ""
			}
			return files.Size.String() + " " + files.Added.String() + " " + files.Snapshot
		}).Should(Equal("1Gi 2Ki " + snapshot))
		Expect(stores(ws)()[rathausv1alpha1.BackupDatabase].Size).To(BeNil(), "no run of the database's backup is left to say")

		By("a reconcile with nothing to do reads no Secret past the cache: the platform's two are watched")
		gets, reconciles := metrics.RequestsFor("GET", "secrets"), reconcileCount()
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Annotations = map[string]string{"example.org/poke": "1"}
		})
		Eventually(func() float64 { return reconcileCount() - reconciles }).Should(BeNumerically(">=", 1))
		Consistently(func() float64 { return metrics.RequestsFor("GET", "secrets") - gets }, "1s").Should(BeZero())

		By("the provider stops taking backups: the CronJobs go, the status says nothing of backups")
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(platform), platform)).To(Succeed())
		platform.Spec.Backup = nil
		Expect(k8s.Update(ctx, platform)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-backup-files"}, &batchv1.CronJob{}))
		}).Should(BeTrue())
		Eventually(stores(ws)).Should(BeEmpty())
		Eventually(condition(ctx, ws, rathausv1alpha1.ConditionBackupsHealthy)).Should(BeEmpty())
	})

	It("restores in place: holds the services, runs a Job per store, and lets them run again once every store is back", func() {
		_, ws := workspaceWithBackups()
		ns := ws.Namespace
		replicas := func(name string) func() int32 {
			return func() int32 {
				d := &appsv1.Deployment{}
				if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil || d.Spec.Replicas == nil {
					return -1
				}
				return *d.Spec.Replicas
			}
		}
		Eventually(replicas("rathaus-nextcloud")).Should(BeNumerically(">", 0))

		By("the provider asks for a restore")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "after-incident"}
		})
		jobs := []string{"rathaus-restore-database-after-incident", "rathaus-restore-files-after-incident"}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: jobs[0]}, &batchv1.Job{}) }).Should(Succeed())
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: jobs[1]}, &batchv1.Job{}))).To(BeTrue(),
			"the files come back after the database: their own dump of Nextcloud's database replaces the database store's")
		Eventually(replicas("rathaus-nextcloud")).Should(BeZero(), "Nextcloud is held")
		Eventually(func() rathausv1alpha1.RestorePhase {
			if r := getWorkspace(ctx, ws).Status.Restore; r != nil {
				return r.Phase
			}
			return ""
		}).Should(Equal(rathausv1alpha1.RestoreRestoring))
		Eventually(func() string {
			c := meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, rathausv1alpha1.ConditionReady)
			if c == nil {
				return ""
			}
			return string(c.Status) + " " + c.Message
		}).Should(And(HavePrefix("False"), ContainSubstring("restoring")))
		cj := &batchv1.CronJob{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-backup-files"}, cj)).To(Succeed())
		Expect(cj.Spec.Suspend).To(HaveValue(BeTrue()), "no backup runs over a restore")

		By("every store is back, the database first: the services run again, and the restore is not run twice")
		for _, name := range jobs {
			j := &batchv1.Job{}
			Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, j) }).Should(Succeed(), name)
			j.Status = rollout.Job(metav1.Now())
			Expect(k8s.Status().Update(ctx, j)).To(Succeed())
		}
		Eventually(func() rathausv1alpha1.RestorePhase { return getWorkspace(ctx, ws).Status.Restore.Phase }).Should(Equal(rathausv1alpha1.RestoreSucceeded))
		Eventually(replicas("rathaus-nextcloud")).Should(BeNumerically(">", 0))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: jobs[1]}, &batchv1.Job{}))
		}).Should(BeTrue(), "a finished restore's Jobs are pruned")
	})

	It("brings a workspace created again back with its credentials first, from a Job that may update only its generated Secrets", func() {
		_, ws := workspaceWithBackups(func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "dr", Stores: []rathausv1alpha1.BackupStore{
				rathausv1alpha1.BackupCredentials, rathausv1alpha1.BackupDatabase, rathausv1alpha1.BackupFiles,
			}}
		})
		ns := ws.Namespace
		exists := func(obj client.Object, name string) func() error {
			return func() error { return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj) }
		}
		database := func() int32 {
			s := &appsv1.StatefulSet{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-postgresql"}, s); err != nil || s.Spec.Replicas == nil {
				return -1
			}
			return *s.Spec.Replicas
		}
		Eventually(exists(&batchv1.Job{}, "rathaus-restore-credentials-dr")).Should(Succeed())

		By("nothing runs, not even the database, and no other store's Job exists yet")
		Eventually(database).Should(BeZero())
		Expect(apierrors.IsNotFound(exists(&batchv1.Job{}, "rathaus-restore-database-dr")())).To(BeTrue())

		By("the Job's ServiceAccount may put values into the generated Secrets, and into nothing else")
		role := &rbacv1.Role{}
		Eventually(exists(role, "rathaus-restore-credentials")).Should(Succeed())
		Eventually(exists(&rbacv1.RoleBinding{}, "rathaus-restore-credentials")).Should(Succeed())
		generated := role.Rules[0].ResourceNames
		Expect(generated).NotTo(BeEmpty())
		target := &corev1.Secret{}
		Expect(exists(target, generated[0])()).To(Succeed())
		// A generated key: static ones (a username) follow the rendering, not the backup.
		const key = "password"
		Expect(target.Data).To(HaveKey(key), generated[0])
		job := as("system:serviceaccount:" + ns + ":rathaus-restore-credentials")
		Eventually(func() error {
			_, err := credrestore.Apply(ctx, job, ns, map[string]map[string][]byte{generated[0]: {key: []byte("from-the-backup")}})
			return err
		}).Should(Succeed(), "RBAC takes a moment to see a new RoleBinding")
		Expect(exists(target, generated[0])()).To(Succeed())
		Expect(string(target.Data[key])).To(Equal("from-the-backup"))
		Expect(target.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "rathaus"), "the operator still owns the Secret")
		_, err := credrestore.Apply(ctx, job, ns, map[string]map[string][]byte{"rathaus-backup-key": {"password": []byte("x")}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the platform's key copy: %v", err)
		other := createNamespace(ctx)
		_, err = credrestore.Apply(ctx, job, other, map[string]map[string][]byte{generated[0]: {key: []byte("x")}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "another namespace: %v", err)

		By("the credentials are back: the database starts, the other stores follow, the access goes")
		done := &batchv1.Job{}
		Expect(exists(done, "rathaus-restore-credentials-dr")()).To(Succeed())
		done.Status = rollout.Job(metav1.Now())
		Expect(k8s.Status().Update(ctx, done)).To(Succeed())
		Eventually(exists(&batchv1.Job{}, "rathaus-restore-database-dr")).Should(Succeed())
		Eventually(database).Should(BeNumerically(">", 0))
		Eventually(func() bool {
			return apierrors.IsNotFound(exists(&corev1.ServiceAccount{}, "rathaus-restore-credentials")())
		}).Should(BeTrue())
		Eventually(func() bool { return apierrors.IsNotFound(exists(&rbacv1.Role{}, "rathaus-restore-credentials")()) }).Should(BeTrue())
		Expect(exists(target, generated[0])()).To(Succeed())
		Expect(string(target.Data[key])).To(Equal("from-the-backup"), "the operator never regenerates a restored credential")

		for _, name := range []string{"rathaus-restore-database-dr", "rathaus-restore-files-dr"} {
			j := &batchv1.Job{}
			Eventually(exists(j, name)).Should(Succeed(), name)
			j.Status = rollout.Job(metav1.Now())
			Expect(k8s.Status().Update(ctx, j)).To(Succeed())
		}
		Eventually(func() rathausv1alpha1.RestorePhase { return getWorkspace(ctx, ws).Status.Restore.Phase }).Should(Equal(rathausv1alpha1.RestoreSucceeded))
		Expect(getWorkspace(ctx, ws).Status.Restore.Stores).To(HaveLen(3))
	})
})
