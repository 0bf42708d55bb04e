package desired

import (
	"fmt"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// TestRestoreHoldsTheServicesAndHonoursContracts: while a restore runs, every service's
// workload is scaled to zero and the backups suspended, the database keeps running, and the
// restore Jobs honour their images' contracts like every other container.
func TestRestoreHoldsTheServicesAndHonoursContracts(t *testing.T) {
	c := contractCase{rathausv1alpha1.SizeS, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", true}
	in := contractInputs(c)
	in.Workspace.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "after-incident"}
	objs := renderHonouringContracts(t, in)
	jobs := 0
	for _, u := range objs {
		replicas, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		component := u.GetLabels()["app.kubernetes.io/component"]
		switch u.GetKind() {
		case "Deployment", "StatefulSet":
			if component == "database" && (!found || replicas == 0) {
				t.Errorf("the database %s is held; the dumps are restored into it", u.GetName())
			}
			if component != "database" && (!found || replicas != 0) {
				t.Errorf("%s %s runs %d replicas during the restore", u.GetKind(), u.GetName(), replicas)
			}
		case "CronJob":
			if suspended, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); !suspended {
				t.Errorf("CronJob %s runs during the restore", u.GetName())
			}
		case "Job":
			if component == "backup" {
				jobs++
			}
		}
	}
	if jobs != 2 {
		t.Errorf("%d restore Jobs, want the database's and the media's: the files' loads Nextcloud's paired database over the database store's, after it", jobs)
	}
}

// TestFilesComeBackWithTheirDatabase: Nextcloud's files are backed up with a dump of its
// database taken just before them, and restored with it after the database store, so that
// files and file cache agree; every container honours its image's contract.
func TestFilesComeBackWithTheirDatabase(t *testing.T) {
	c := contractCase{rathausv1alpha1.SizeS, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", true}
	in := contractInputs(c)
	var files *unstructured.Unstructured
	for _, u := range renderHonouringContracts(t, in) {
		if u.GetKind() == "CronJob" && u.GetName() == "rathaus-backup-files" {
			files = u
		}
	}
	if files == nil {
		t.Fatal("no backup of the files")
	}
	init, _, _ := unstructured.NestedSlice(files.Object, "spec", "jobTemplate", "spec", "template", "spec", "initContainers")
	if len(init) != 1 || !strings.Contains(fmt.Sprint(init[0]), "DATABASES nextcloud") && !strings.Contains(fmt.Sprint(init[0]), "value:nextcloud") {
		t.Errorf("the files' backup does not dump Nextcloud's database first: %v", init)
	}

	in.Workspace.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "r1"}
	derived, err := Derive(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	derived.Observed = map[string]client.Object{stack.Key("Job", in.Workspace.Namespace, "rathaus-restore-database-r1"): &batchv1.Job{
		Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}},
	}}
	var restore *unstructured.Unstructured
	for _, u := range renderHonouringContracts(t, derived) {
		if u.GetKind() == "Job" && u.GetName() == "rathaus-restore-files-r1" {
			restore = u
		}
	}
	if restore == nil {
		t.Fatal("the files' restore does not start once the database's is done")
	}
	containers, _, _ := unstructured.NestedSlice(restore.Object, "spec", "template", "spec", "containers")
	if len(containers) != 1 || containers[0].(map[string]any)["name"] != "load" {
		t.Errorf("the files' restore does not load Nextcloud's paired database: %v", containers)
	}
}

// TestCredentialsRestoreHonoursContracts: a workspace created again to be restored gets its
// credentials back first, with nothing running, from Jobs that honour their images' contracts
// (restic's, and the operator's own).
func TestCredentialsRestoreHonoursContracts(t *testing.T) {
	c := contractCase{rathausv1alpha1.SizeS, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", true}
	in := contractInputs(c)
	in.Workspace.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "dr", FromNamespace: "kiel", Stores: []rathausv1alpha1.BackupStore{
		rathausv1alpha1.BackupCredentials, rathausv1alpha1.BackupDatabase, rathausv1alpha1.BackupFiles, rathausv1alpha1.BackupMedia,
	}}
	var jobs []string
	for _, u := range renderHonouringContracts(t, in) {
		replicas, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		switch u.GetKind() {
		case "Deployment", "StatefulSet":
			if !found || replicas != 0 {
				t.Errorf("%s %s runs %d replicas while the credentials are restored", u.GetKind(), u.GetName(), replicas)
			}
		case "Job":
			if u.GetLabels()["app.kubernetes.io/component"] == "backup" {
				jobs = append(jobs, u.GetName())
			}
		}
	}
	if len(jobs) != 1 || jobs[0] != "rathaus-restore-credentials-dr" {
		t.Errorf("restore Jobs %v, want the credentials' alone", jobs)
	}
}
