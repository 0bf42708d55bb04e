package postgres

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/residency"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// ClusterKind is CloudNativePG's Cluster; the reconciler checks that its CRD is installed
// before a platform in CloudNativePG mode is used.
var ClusterKind = schema.GroupVersionKind{Group: "postgresql.cnpg.io", Version: "v1", Kind: "Cluster"}

// DatabaseKind is CloudNativePG's declarative database.
var DatabaseKind = ClusterKind.GroupVersion().WithKind("Database")

// CloudNativePG names the read-write Service of a Cluster <name>-rw
// (cloudnative-pg docs/src/service_management.md).
const cnpgHost = Name + "-rw"

// cnpgOperatorNamespace is where CloudNativePG's operator runs by default (its release
// manifest installs into cnpg-system); it probes and manages the instances.
const cnpgOperatorNamespace = "cnpg-system"

var instances = map[rathausv1alpha1.SizeTier]int64{
	rathausv1alpha1.SizeS: 1, rathausv1alpha1.SizeM: 1, rathausv1alpha1.SizeL: 2, rathausv1alpha1.SizeXL: 3,
}

// renderCloudNativePG renders a Cluster with one managed role per database and a Database
// object for each (postgresql.cnpg.io/v1 Database, CloudNativePG 1.25+). The roles' passwords
// come from the connection Secrets, as for the bundled database.
func renderCloudNativePG(in stack.Inputs) ([]client.Object, error) {
	image, err := cloudNativePGImage(in)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	var roles []any
	for _, db := range in.Databases {
		roles = append(roles, map[string]any{
			"name": db, "ensure": "present", "login": true,
			"passwordSecret": map[string]any{"name": ConnectionSecret(db)},
		})
	}
	storage := map[string]any{"size": f.volume}
	if c := in.StorageClass(); c != nil {
		storage["storageClass"] = *c
	}
	cluster := dataObject(in, "Cluster", Name, map[string]any{
		"instances": instances[in.Size()],
		"storage":   storage,
		"resources": map[string]any{
			"requests": map[string]any{"cpu": f.container.Requests[0], "memory": f.container.Requests[1]},
			"limits":   map[string]any{"cpu": f.container.Limits[0], "memory": f.container.Limits[1]},
		},
		"managed": map[string]any{"roles": roles},
	})
	if image != "" {
		_ = unstructured.SetNestedField(cluster.Object, image, "spec", "imageName")
	}
	if allowed := residency.Allowed(in.Platform); len(allowed) > 0 {
		// CloudNativePG places its instance pods by spec.affinity.nodeAffinity
		// (cloudnative-pg api/v1 AffinityConfiguration), so they follow the allowed regions too.
		values := make([]any, 0, len(allowed))
		for _, r := range allowed {
			values = append(values, r)
		}
		_ = unstructured.SetNestedField(cluster.Object, map[string]any{
			"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
				"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{
					"key": residency.RegionLabel(in.Platform), "operator": "In", "values": values,
				}}}},
			},
		}, "spec", "affinity", "nodeAffinity")
	}
	objs := []client.Object{cluster}
	if cnpgBackups(in) {
		_, keepDays := backup.Retention(in.Platform.Spec.Backup)
		objs = append(objs, renderCNPGBackups(in, cluster, backup.WorkspaceSchedule(in, rathausv1alpha1.BackupDatabase), keepDays)...)
	}
	for _, db := range in.Databases {
		objs = append(objs, dataObject(in, "Database", ConnectionSecret(db), map[string]any{
			"name": db, "owner": db,
			"cluster": map[string]any{"name": Name},
			// Never drop a municipality's database because an object went away.
			"databaseReclaimPolicy": "retain",
		}))
	}

	instancesSel := map[string]string{"cnpg.io/cluster": Name}
	clients := map[string]string{ClientLabel: "true", ownership.WorkspaceLabel: in.Workspace.Name}
	objs = append(objs, netpol.Path(in, ComponentName, Name, clients, instancesSel, netpol.TCP(Port))...)
	// Instances replicate among themselves and answer the operator's status probes (port 8000);
	// each instance manager talks to the Kubernetes API.
	objs = append(objs, netpol.Path(in, ComponentName, Name+"-replication", instancesSel, instancesSel, netpol.TCP(Port), netpol.TCP(8000))...)
	objs = append(objs, netpol.FromNamespace(in, ComponentName, Name+"-operator", cnpgOperatorNamespace, instancesSel, netpol.TCP(Port), netpol.TCP(8000)))
	objs = append(objs, netpol.ToKubeAPI(in, ComponentName, Name+"-kube-api", instancesSel))
	return objs, nil
}

// cloudNativePGImage is the Cluster's spec.imageName: the release's operand image, so that the
// release catalog, not CloudNativePG's built-in default (which moved from 17 to 18 with
// CloudNativePG 1.28, cloudnative-pg pkg/versions/versions.go), decides the PostgreSQL
// version. CloudNativePG wants a tag that starts with the major version and refuses a digest
// alone, so a digest is appended to the tag. Releases from before the component existed
// render none, as before. A Cluster that already runs a newer major than the release is
// never asked to go back: CloudNativePG refuses it and the data would not follow.
func cloudNativePGImage(in stack.Inputs) (string, error) {
	c, err := images.Find(in.Release, CloudNativePGReleaseComponent)
	if err != nil {
		return "", nil
	}
	if running, ok := runningMajor(in); ok && running > major(c.Version) {
		return "", &stack.UnmetError{Reason: rathausv1alpha1.ReasonDatabaseDowngrade, Message: fmt.Sprintf(
			"the CloudNativePG cluster runs PostgreSQL %d and release %s pins %d: PostgreSQL cannot move back a major version; select a release with PostgreSQL %d or newer",
			running, in.Release.Spec.Version, major(c.Version), running)}
	}
	tagged := c
	tagged.Digest = ""
	ref := images.Reference(tagged, in.Platform.Spec.Registry.Mirror)
	if c.Digest != "" {
		ref += "@" + c.Digest
	}
	return ref, nil
}

// runningMajor is the PostgreSQL major version the observed Cluster runs, from the image it
// reports (status.image) or asks for.
func runningMajor(in stack.Inputs) (int, bool) {
	obj, ok := in.Observed[stack.Key(ClusterKind.Kind, in.Workspace.Namespace, Name)].(*unstructured.Unstructured)
	if !ok {
		return 0, false
	}
	for _, field := range [][]string{{"status", "image"}, {"spec", "imageName"}} {
		if ref, _, _ := unstructured.NestedString(obj.Object, field...); ref != "" {
			ref, _, _ = strings.Cut(ref, "@")
			if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
				if m := major(ref[i+1:]); m > 0 {
					return m, true
				}
			}
		}
	}
	return 0, false
}

// major is the leading number of a PostgreSQL image tag: 17 of 17.11-standard-trixie.
func major(tag string) int {
	n := 0
	for _, r := range tag {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func dataObject(in stack.Inputs, kind, name string, spec map[string]any) *unstructured.Unstructured {
	m := kit.DataMeta(in, ComponentName, name)
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(ClusterKind.GroupVersion().WithKind(kind))
	u.SetName(m.Name)
	u.SetNamespace(m.Namespace)
	u.SetLabels(m.Labels)
	return u
}

// connectionHost is the host services connect to in each mode.
func connectionHost(in stack.Inputs) string {
	if in.Platform.Spec.Database.Mode == rathausv1alpha1.DatabaseCloudNativePG {
		return cnpgHost
	}
	return Name
}
