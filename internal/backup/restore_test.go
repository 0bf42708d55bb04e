package backup

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func restoring(r rathausv1alpha1.WorkspaceRestore) func(*stack.Inputs) {
	return func(in *stack.Inputs) { in.Workspace.Spec.Restore = &r }
}

func finished(store rathausv1alpha1.BackupStore, id string, typ batchv1.JobConditionType) func(*stack.Inputs) {
	return func(in *stack.Inputs) {
		j := &batchv1.Job{Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: typ, Status: corev1.ConditionTrue}}}}
		if in.Observed == nil {
			in.Observed = map[string]client.Object{}
		}
		in.Observed[stack.Key("Job", "kiel", restoreJobName(store, id))] = j
	}
}

func TestRestore(t *testing.T) {
	all := func(typ batchv1.JobConditionType) []func(*stack.Inputs) {
		return []func(*stack.Inputs){finished("Database", "r1", typ), finished("Files", "r1", typ), finished("Media", "r1", typ)}
	}
	tests := []struct {
		name    string
		mutate  []func(*stack.Inputs)
		phase   rathausv1alpha1.RestorePhase
		stores  []rathausv1alpha1.BackupStore
		holding bool
		message string
	}{
		{"none asked", nil, "", nil, false, ""},
		{"under way", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"})}, "Restoring", []rathausv1alpha1.BackupStore{"Database", "Files", "Media"}, true, "restoring Database, Files, Media from backup latest"},
		{"done", append([]func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"})}, all(batchv1.JobComplete)...), "Succeeded", []rathausv1alpha1.BackupStore{"Database", "Files", "Media"}, false, "restored Database, Files, Media"},
		{"a store failed", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"}), finished("Files", "r1", batchv1.JobFailed)}, "Failed", []rathausv1alpha1.BackupStore{"Database", "Files", "Media"}, true, "restoring Files failed"},
		{"some stores", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Files"}, Snapshot: "4f2a9c1e"})}, "Restoring", []rathausv1alpha1.BackupStore{"Files"}, true, "from backup 4f2a9c1e"},
		{"carried out once", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"}), func(in *stack.Inputs) {
			in.Workspace.Status.Restore = &rathausv1alpha1.RestoreStatus{ID: "r1", Phase: rathausv1alpha1.RestoreSucceeded}
		}}, "Succeeded", nil, false, ""},
		{"a new id restores again", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r2"}), func(in *stack.Inputs) {
			in.Workspace.Status.Restore = &rathausv1alpha1.RestoreStatus{ID: "r1", Phase: rathausv1alpha1.RestoreSucceeded}
		}}, "Restoring", []rathausv1alpha1.BackupStore{"Database", "Files", "Media"}, true, ""},
		{"credentials first", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Credentials", "Database", "Files"}}), operatorImage},
			"Restoring", []rathausv1alpha1.BackupStore{"Database", "Files", "Credentials"}, true, "restoring Credentials from backup latest, then Database, Files"},
		{"credentials back, the rest under way", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Credentials", "Database"}}), operatorImage, finished("Credentials", "r1", batchv1.JobComplete)},
			"Restoring", []rathausv1alpha1.BackupStore{"Database", "Credentials"}, true, "restoring Database from backup latest"},
		{"no credentials into a workspace that has run", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Credentials", "Files"}}), operatorImage, func(in *stack.Inputs) {
			in.Workspace.Status.ProvisionedTime = &metav1.Time{Time: t0}
		}}, "Failed", nil, false, "only into a workspace created again to be restored"},
		{"no credentials without the operator's image", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Credentials"}})},
			"Failed", nil, false, "--operator-image"},
		{"nothing to restore holds nothing", []func(*stack.Inputs){restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"}), func(in *stack.Inputs) { in.Platform.Spec.Backup = nil }}, "Failed", nil, false, "nothing to restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputs(tt.mutate...)
			st := Restore(in)
			if tt.phase == "" {
				if st != nil || Holding(in) {
					t.Fatalf("Restore = %+v", st)
				}
				return
			}
			var stores []rathausv1alpha1.BackupStore
			for _, s := range st.Stores {
				stores = append(stores, s.Store)
			}
			if st.Phase != tt.phase || !slices.Equal(stores, tt.stores) || Holding(in) != tt.holding || !strings.Contains(st.Message, tt.message) {
				t.Fatalf("Restore = %+v (holding %v), want %s %v holding %v with %q", st, Holding(in), tt.phase, tt.stores, tt.holding, tt.message)
			}
		})
	}
}

func operatorImage(in *stack.Inputs) { in.OperatorImage = "registry.example.eu/rathaus/rathaus:1.4.0" }

// TestCredentialsComeBackFirst: while the credentials are restored, nothing runs, not even the
// database (it must first start with the restored passwords), and no other store's Job exists
// yet; the Job may read and update exactly the workspace's generated Secrets, and reach the
// API server. Once they are back, the other stores follow and the access goes.
func TestCredentialsComeBackFirst(t *testing.T) {
	asked := restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", Stores: []rathausv1alpha1.BackupStore{"Credentials", "Database", "Files"}})
	in := inputs(asked, operatorImage)
	postgres := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app.kubernetes.io/component": "database"}}, Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)}}
	Hold(in)(postgres)
	if *postgres.Spec.Replicas != 0 {
		t.Error("the database runs while its credentials are restored")
	}
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string][]string{}
	var job *batchv1.Job
	var role *rbacv1.Role
	for _, o := range objs {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		byKind[kind] = append(byKind[kind], o.GetName())
		switch o := o.(type) {
		case *batchv1.Job:
			job = o
		case *rbacv1.Role:
			role = o
		}
	}
	if !slices.Equal(byKind["Job"], []string{"rathaus-restore-credentials-r1"}) || !slices.Equal(byKind["ServiceAccount"], []string{credentialsAccessName}) ||
		!slices.Equal(byKind["RoleBinding"], []string{credentialsAccessName}) || !slices.Contains(byKind["NetworkPolicy"], credentialsAccessName+"-kube-api") {
		t.Fatalf("rendered %v", byKind)
	}
	if rule := role.Rules[0]; len(role.Rules) != 1 || !slices.Equal(rule.Verbs, []string{"get", "update"}) || !slices.Equal(rule.ResourceNames, []string{"rathaus-db-nextcloud", "rathaus-nextcloud-admin"}) {
		t.Errorf("the Job may do more than update the generated Secrets: %+v", role.Rules)
	}
	pod := job.Spec.Template.Spec
	apply := pod.Containers[0]
	if pod.InitContainers[0].Name != "restic" || apply.Image != "registry.example.eu/rathaus/rathaus:1.4.0" || apply.Args[0] != restoreCredentialsCommand ||
		!slices.Contains(apply.Args, "--secrets=rathaus-db-nextcloud,rathaus-nextcloud-admin") || pod.ServiceAccountName != credentialsAccessName || !*pod.AutomountServiceAccountToken {
		t.Errorf("credentials Job: %+v", pod)
	}
	if job.Spec.Template.Labels[restoreRoleLabel] != credentialsRole {
		t.Error("the Job's pod is not the one the policy to the API server selects")
	}

	back := inputs(asked, operatorImage, finished("Credentials", "r1", batchv1.JobComplete))
	objs, err = Component{}.Render(back)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for _, o := range objs {
		switch o.(type) {
		case *batchv1.Job:
			jobs = append(jobs, o.GetName())
		case *rbacv1.Role, *corev1.ServiceAccount, *rbacv1.RoleBinding:
			t.Errorf("%s %s outlives the credentials' restore", o.GetObjectKind().GroupVersionKind().Kind, o.GetName())
		}
	}
	if want := []string{"rathaus-restore-database-r1", "rathaus-restore-files-r1", "rathaus-restore-credentials-r1"}; !slices.Equal(jobs, want) {
		t.Errorf("Jobs once the credentials are back: %v, want %v (the finished one stays, so that it is not run again)", jobs, want)
	}
	postgres.Spec.Replicas = ptr.To[int32](1)
	Hold(back)(postgres)
	if *postgres.Spec.Replicas != 1 {
		t.Error("the database is held although its dumps are to be loaded")
	}
}

// TestHoldStopsWhatWrites: while a restore runs, nothing but the database writes: workloads
// scale to zero and CronJobs (background jobs, backups) are suspended.
func TestHoldStopsWhatWrites(t *testing.T) {
	if Hold(inputs()) != nil {
		t.Fatal("nothing is held without a restore")
	}
	in := inputs(restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"}))
	labelled := func(component string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Labels: map[string]string{"app.kubernetes.io/component": component}}
	}
	nextcloud := &appsv1.Deployment{ObjectMeta: labelled("files"), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}}
	stalwart := &appsv1.StatefulSet{ObjectMeta: labelled("mail"), Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)}}
	postgres := &appsv1.StatefulSet{ObjectMeta: labelled("database"), Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)}}
	cron := &batchv1.CronJob{ObjectMeta: labelled("backup")}
	hold := Hold(in)
	for _, o := range []client.Object{nextcloud, stalwart, postgres, cron} {
		hold(o)
	}
	if *nextcloud.Spec.Replicas != 0 || *stalwart.Spec.Replicas != 0 || *postgres.Spec.Replicas != 1 || cron.Spec.Suspend == nil || !*cron.Spec.Suspend {
		t.Fatalf("held: nextcloud %d, stalwart %d, postgres %d, cron suspended %v", *nextcloud.Spec.Replicas, *stalwart.Spec.Replicas, *postgres.Spec.Replicas, cron.Spec.Suspend)
	}
}

func TestRestoreJobs(t *testing.T) {
	in := inputs(restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1", FromNamespace: "kiel-old"}))
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]*batchv1.Job{}
	for _, o := range objs {
		if j, ok := o.(*batchv1.Job); ok {
			jobs[j.Name] = j
		}
	}
	if len(jobs) != 3 {
		t.Fatalf("restore Jobs: %v", jobs)
	}
	db := jobs["rathaus-restore-database-r1"].Spec.Template
	if len(db.Spec.InitContainers) != 1 || db.Spec.Containers[0].Name != "load" || db.Labels["rathaus.io/database-client"] != "true" {
		t.Errorf("database: restic first, then the load, as a database client: %+v", db.Spec)
	}
	files := jobs["rathaus-restore-files-r1"].Spec.Template.Spec
	if *files.SecurityContext.RunAsUser != 33 || files.Volumes[2].PersistentVolumeClaim == nil || files.Volumes[2].PersistentVolumeClaim.ReadOnly {
		t.Errorf("files: restored into the volume, writable, as its owner: %+v", files)
	}
	if repo, _ := env(files.Containers[0], "RESTIC_REPOSITORY"); repo.Value != "s3:https://backup.example.eu:9000/rathaus/cluster-a/kiel-old/files" {
		t.Errorf("restored from %s, want the other namespace's repository", repo.Value)
	}
	if strings.Contains(restoreScript, "--delete") {
		t.Error("a restore must not delete what the backup lacks")
	}
	// Once done, the Jobs go and the services come back.
	done := inputs(restoring(rathausv1alpha1.WorkspaceRestore{ID: "r1"}), func(in *stack.Inputs) {
		in.Workspace.Status.Restore = &rathausv1alpha1.RestoreStatus{ID: "r1", Phase: rathausv1alpha1.RestoreSucceeded}
	})
	if objs, _ := (Component{}).Render(done); slices.ContainsFunc(objs, func(o client.Object) bool { _, ok := o.(*batchv1.Job); return ok }) {
		t.Error("a finished restore's Jobs are still rendered")
	}
}

// TestOperatorContractFollowsTheDockerfile: the contract the credentials' restore Job is held
// to is what the operator's image really is.
func TestOperatorContractFollowsTheDockerfile(t *testing.T) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	final := string(dockerfile)[strings.LastIndex(string(dockerfile), "\nFROM "):]
	for _, want := range []string{
		fmt.Sprintf("\nUSER %d:%d\n", OperatorContract.UID, OperatorContract.UID),
		fmt.Sprintf("\nENTRYPOINT [%q]", OperatorContract.Entrypoint.Path),
		fmt.Sprintf("COPY --from=build /out/manager %s\n", OperatorContract.Entrypoint.Path),
	} {
		if !strings.Contains(final, want) {
			t.Errorf("the Dockerfile's final stage lacks %q: update OperatorContract with it", strings.TrimSpace(want))
		}
	}
}
