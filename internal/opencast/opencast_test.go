package opencast

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel", UID: "5f0c6a5e-0000-4000-8000-000000000001"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				DisplayName: "Landeshauptstadt Kiel",
				Domain:      "kiel.de",
				Services: rathausv1alpha1.WorkspaceServices{
					Media: rathausv1alpha1.MediaService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}},
				},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		Release:  release.BuiltIn(),
		Identity: &stack.Identity{IssuerURL: "https://id.kiel.de/realms/kiel"},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func size(s rathausv1alpha1.SizeTier) func(*stack.Inputs) {
	return func(in *stack.Inputs) { in.Workspace.Spec.Size = s }
}

func rwx(in *stack.Inputs) { in.Platform.Spec.Storage.ReadWriteManyClass = "cephfs" }

func renderObjects(t *testing.T, in stack.Inputs) []client.Object {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func render(t *testing.T, in stack.Inputs) []byte {
	t.Helper()
	return golden.Applied(t, renderObjects(t, in))
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name string
		in   stack.Inputs
	}{
		{name: "S-allinone.yaml", in: inputs(size(rathausv1alpha1.SizeS))},
		{name: "L-multinode.yaml", in: inputs(size(rathausv1alpha1.SizeL), rwx)},
		{name: "XL-gateway-mirror.yaml", in: inputs(size(rathausv1alpha1.SizeXL), rwx, func(in *stack.Inputs) {
			in.Workspace.Spec.Services.Media.Host = "tv.kiel.de"
			in.Platform.Spec.Registry.Mirror = "registry.example.eu/mirror"
			in.Platform.Spec.Ingress.Gateway = &rathausv1alpha1.GatewayRef{Namespace: "gateways", Name: "public"}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Assert(t, tt.name, render(t, tt.in))
		})
	}
}

// TestMultiNodeNeedsSharedStorage: every tier above S shares one volume between nodes; without
// a ReadWriteMany class the render stops with a reason, instead of pods that never schedule.
func TestMultiNodeNeedsSharedStorage(t *testing.T) {
	for _, s := range []rathausv1alpha1.SizeTier{rathausv1alpha1.SizeM, rathausv1alpha1.SizeL, rathausv1alpha1.SizeXL} {
		t.Run(string(s), func(t *testing.T) {
			_, err := Component{}.Render(inputs(size(s)))
			var unmet *stack.UnmetError
			if !errors.As(err, &unmet) || unmet.Reason != rathausv1alpha1.ReasonSharedStorageMissing {
				t.Fatalf("err = %v, want UnmetError %s", err, rathausv1alpha1.ReasonSharedStorageMissing)
			}
			if !strings.Contains(unmet.Message, "readWriteManyClass") || !strings.Contains(unmet.Message, "size "+string(s)) {
				t.Errorf("message does not say what to do: %s", unmet.Message)
			}
		})
	}
	// The message the workspace's admins read in the Stalled condition.
	_, err := Component{}.Render(inputs(size(rathausv1alpha1.SizeL)))
	golden.Assert(t, "L-without-rwx.error.txt", []byte(err.Error()+"\n"))
	if _, err := (Component{}).Render(inputs(size(rathausv1alpha1.SizeS))); err != nil {
		t.Fatalf("S runs one node and needs no shared storage: %v", err)
	}
}

func statefulSets(objs []client.Object) map[string]*appsv1.StatefulSet {
	out := map[string]*appsv1.StatefulSet{}
	for _, o := range objs {
		if s, ok := o.(*appsv1.StatefulSet); ok {
			out[s.Name] = s
		}
	}
	return out
}

func TestTopologyPerTier(t *testing.T) {
	tests := []struct {
		size rathausv1alpha1.SizeTier
		want map[string]int32 // StatefulSet: replicas
	}{
		{rathausv1alpha1.SizeS, map[string]int32{"rathaus-opencast-allinone": 1, searchName: 1}},
		{rathausv1alpha1.SizeM, map[string]int32{"rathaus-opencast-admin": 1, "rathaus-opencast-presentation": 1, "rathaus-opencast-worker": 1, searchName: 1}},
		{rathausv1alpha1.SizeL, map[string]int32{"rathaus-opencast-admin": 1, "rathaus-opencast-presentation": 1, "rathaus-opencast-worker": 2, searchName: 1}},
		{rathausv1alpha1.SizeXL, map[string]int32{"rathaus-opencast-admin": 1, "rathaus-opencast-presentation": 2, "rathaus-opencast-worker": 4, searchName: 1}},
	}
	for _, tt := range tests {
		t.Run(string(tt.size), func(t *testing.T) {
			objs := renderObjects(t, inputs(size(tt.size), rwx))
			got := map[string]int32{}
			for name, s := range statefulSets(objs) {
				got[name] = ptr.Deref(s.Spec.Replicas, 1)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("StatefulSets = %v, want %v", got, tt.want)
			}
			for name, n := range tt.want {
				if got[name] != n {
					t.Errorf("%s has %d replicas, want %d", name, got[name], n)
				}
			}
			var claim *corev1.PersistentVolumeClaim
			for _, o := range objs {
				if c, ok := o.(*corev1.PersistentVolumeClaim); ok && c.Name == dataClaimName {
					claim = c
				}
			}
			wantMode := corev1.ReadWriteMany
			if tt.size == rathausv1alpha1.SizeS {
				wantMode = corev1.ReadWriteOnce
			}
			if claim == nil || claim.Spec.AccessModes[0] != wantMode {
				t.Fatalf("data claim = %+v, want access mode %s", claim, wantMode)
			}
		})
	}
}

// TestNodesAgreeOnURLs: every node carries the same organization URLs and accounts, and its
// own server URL is unique per pod.
func TestNodesAgreeOnURLs(t *testing.T) {
	objs := renderObjects(t, inputs(size(rathausv1alpha1.SizeXL), rwx))
	shared := []string{"PROP_ORG_OPENCASTPROJECT_ADMIN_UI_URL", "PROP_ORG_OPENCASTPROJECT_ENGAGE_UI_URL", "PROP_ORG_OPENCASTPROJECT_FILE_REPO_URL", "ORG_OPENCASTPROJECT_DOWNLOAD_URL", "ORG_OPENCASTPROJECT_SERVER_URL"}
	want := map[string]string{
		"PROP_ORG_OPENCASTPROJECT_ADMIN_UI_URL":  "https://media-admin.kiel.de",
		"PROP_ORG_OPENCASTPROJECT_ENGAGE_UI_URL": "https://media.kiel.de",
		"PROP_ORG_OPENCASTPROJECT_FILE_REPO_URL": "http://rathaus-opencast-admin.kiel.svc:8080",
		"ORG_OPENCASTPROJECT_DOWNLOAD_URL":       "https://media.kiel.de/static",
		"ORG_OPENCASTPROJECT_SERVER_URL":         "http://$(POD_NAME).rathaus-opencast-nodes.kiel.svc:8080",
	}
	nodes := 0
	for name, s := range statefulSets(objs) {
		if name == searchName {
			continue
		}
		nodes++
		env := map[string]string{}
		for _, e := range s.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
		for _, k := range shared {
			if env[k] != want[k] {
				t.Errorf("%s: %s = %q, want %q", name, k, env[k], want[k])
			}
		}
		if s.Spec.ServiceName != nodesService {
			t.Errorf("%s: serviceName %q, so $(POD_NAME).%s does not resolve", name, s.Spec.ServiceName, nodesService)
		}
	}
	if nodes != 3 {
		t.Fatalf("%d node roles, want 3", nodes)
	}
}

// TestDataOutlivesTheWorkspace: the recordings and the index are data, never garbage-collected.
func TestDataOutlivesTheWorkspace(t *testing.T) {
	claims := 0
	for _, o := range renderObjects(t, inputs(size(rathausv1alpha1.SizeL), rwx)) {
		if _, ok := o.(*corev1.PersistentVolumeClaim); !ok {
			continue
		}
		claims++
		if len(o.GetOwnerReferences()) != 0 || o.GetLabels()[ownership.DataLabel] != "true" {
			t.Errorf("%s is data but carries owners %v, labels %v", o.GetName(), o.GetOwnerReferences(), o.GetLabels())
		}
	}
	if claims != 2 {
		t.Fatalf("%d claims, want the storage directory and the index", claims)
	}
}

func TestAdminUIOnlyThroughSingleSignOn(t *testing.T) {
	objs := renderObjects(t, inputs(size(rathausv1alpha1.SizeL), rwx))
	routes := map[string]string{} // host: backend Service
	for _, o := range objs {
		u, err := apply.Prepare(o)
		if err != nil {
			t.Fatal(err)
		}
		if u.GetKind() != "Ingress" {
			continue
		}
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		for _, r := range rules {
			rule := r.(map[string]any)
			paths, _, _ := unstructured.NestedSlice(rule, "http", "paths")
			svc, _, _ := unstructured.NestedString(paths[0].(map[string]any), "backend", "service", "name")
			routes[rule["host"].(string)] = svc
		}
	}
	want := map[string]string{"media.kiel.de": "rathaus-opencast-presentation", "media-admin.kiel.de": proxyName}
	if len(routes) != len(want) || routes["media.kiel.de"] != want["media.kiel.de"] || routes["media-admin.kiel.de"] != want["media-admin.kiel.de"] {
		t.Fatalf("routes = %v, want %v", routes, want)
	}
	c, ok := Component{}.OIDCClient(inputs())
	if !ok || c.RedirectURIs[0] != "https://media-admin.kiel.de/oauth2/callback" {
		t.Fatalf("client = %+v, %v", c, ok)
	}
	if _, err := (Component{}).Render(inputs(func(in *stack.Inputs) { in.Identity = nil })); err == nil {
		t.Fatal("rendered an admin UI without single sign-on")
	}
}

func TestDisabledRendersNothing(t *testing.T) {
	in := inputs(func(in *stack.Inputs) { in.Workspace.Spec.Services.Media.Enabled = false })
	objs, err := Component{}.Render(in)
	if err != nil || len(objs) != 0 {
		t.Fatalf("disabled media rendered %d objects, err %v", len(objs), err)
	}
	if len((Component{}).Secrets(in)) != 0 || len((Component{}).Databases(in)) != 0 {
		t.Fatal("disabled media asks for secrets or a database")
	}
	if _, ok := (Component{}).OIDCClient(in); ok {
		t.Fatal("disabled media asks for an OIDC client")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	in := inputs(size(rathausv1alpha1.SizeXL), rwx)
	first := render(t, in)
	for range 10 {
		if got := render(t, in); !bytes.Equal(got, first) {
			t.Fatal("two renders of the same inputs differ")
		}
	}
}

// The storage directory keeps the access mode it was created with: a single node's volume
// cannot serve several nodes, so growing from S stalls with a clear reason; a shared volume
// serves a single node as well, so shrinking to S keeps it.
func TestSizeChangeKeepsTheVolume(t *testing.T) {
	existing := func(mode corev1.PersistentVolumeAccessMode, class string) func(*stack.Inputs) {
		return func(in *stack.Inputs) {
			pvc := &corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: dataClaimName, Namespace: "kiel"},
				Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{mode}, StorageClassName: &class},
			}
			in.Observed = map[string]client.Object{stack.Key("PersistentVolumeClaim", "kiel", dataClaimName): pvc}
		}
	}
	_, err := Component{}.Render(inputs(size(rathausv1alpha1.SizeL), rwx, existing(corev1.ReadWriteOnce, "ceph-block")))
	var unmet *stack.UnmetError
	if !errors.As(err, &unmet) || unmet.Reason != rathausv1alpha1.ReasonVolumeNotShared {
		t.Fatalf("S grown to L on a ReadWriteOnce volume: err = %v, want UnmetError %s", err, rathausv1alpha1.ReasonVolumeNotShared)
	}

	for _, o := range renderObjects(t, inputs(size(rathausv1alpha1.SizeS), existing(corev1.ReadWriteMany, "cephfs"))) {
		if pvc, ok := o.(*corev1.PersistentVolumeClaim); ok && pvc.Name == dataClaimName {
			if pvc.Spec.AccessModes[0] != corev1.ReadWriteMany || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "cephfs" {
				t.Errorf("L shrunk to S: claim %v on %v, want it kept ReadWriteMany on cephfs", pvc.Spec.AccessModes, pvc.Spec.StorageClassName)
			}
			return
		}
	}
	t.Fatal("no data claim rendered")
}
