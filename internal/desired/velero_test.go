package desired

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// TestVeleroMode: with backup.method Velero, rathaus takes no backups of its own and adds to
// the pods what the provider's Velero needs: Nextcloud's volume in maintenance mode, a fresh
// dump of every database instead of the live data directory, Opencast's storage once.
func TestVeleroMode(t *testing.T) {
	c := contractCase{rathausv1alpha1.SizeM, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", false}
	in := contractInputs(c)
	in.Platform.Spec.Backup = &rathausv1alpha1.BackupPolicy{Method: rathausv1alpha1.BackupVelero}
	objs := renderHonouringContracts(t, in)
	templates := map[string]map[string]string{}
	for _, u := range objs {
		if u.GetKind() == "CronJob" && u.GetLabels()["app.kubernetes.io/component"] == "backup" {
			t.Errorf("rathaus renders its own backup %s in Velero mode", u.GetName())
		}
		if u.GetKind() == "Deployment" || u.GetKind() == "StatefulSet" {
			a, _, _ := unstructured.NestedStringMap(u.Object, "spec", "template", "metadata", "annotations")
			templates[u.GetName()] = a
		}
	}
	nc := templates["rathaus-nextcloud"]
	var pre []string
	if err := json.Unmarshal([]byte(nc["pre.hook.backup.velero.io/command"]), &pre); err != nil || len(pre) != 4 || pre[3] != "--on" || nc["backup.velero.io/backup-volumes"] != "html" || nc["post.hook.backup.velero.io/command"] == "" {
		t.Errorf("Nextcloud's pod: %v", nc)
	}
	pg := templates["rathaus-postgresql"]
	if pg["backup.velero.io/backup-volumes"] != "dump" || pg["backup.velero.io/backup-volumes-excludes"] != "data" || pg["pre.hook.backup.velero.io/container"] != "postgresql" {
		t.Errorf("PostgreSQL's pod: %v", pg)
	}
	copied := 0
	for name, a := range templates {
		if a["backup.velero.io/backup-volumes"] == "data" {
			copied++
			if name != "rathaus-opencast-admin" {
				t.Errorf("Opencast's storage is copied from %s, want the admin node", name)
			}
		}
	}
	if copied != 1 {
		t.Errorf("Opencast's shared storage is copied %d times, want once", copied)
	}
	var sts appsv1.StatefulSet
	for _, u := range objs {
		if u.GetKind() == "StatefulSet" && u.GetName() == "rathaus-postgresql" {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sts); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(sts.Spec.Template.Spec.Containers) == 0 || sts.Spec.Template.Spec.Containers[0].VolumeMounts[len(sts.Spec.Template.Spec.Containers[0].VolumeMounts)-1].MountPath != "/dump" {
		t.Errorf("the dump volume is not mounted where the hook writes")
	}
}
