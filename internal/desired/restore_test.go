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
