package desired

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
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
	if jobs != 3 {
		t.Errorf("%d restore Jobs, want one per data store (database, files, media)", jobs)
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
