package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/rathaus-io/rathaus/internal/testutil/rollout"
)

func object(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCopyFor: a copy keeps what the operator sent and drops what the cluster filled in, so
// applying it costs what the operator's apply cost and the API server accepts it.
func TestCopyFor(t *testing.T) {
	for _, tc := range []struct{ name, live, want string }{{
		name: "service: allocated addresses and node ports dropped",
		live: `
apiVersion: v1
kind: Service
metadata:
  name: mail
  namespace: bench-0001
  uid: 1b2c
  resourceVersion: "42"
  creationTimestamp: "2026-12-01T10:00:00Z"
  managedFields: [{manager: rathaus, operation: Apply}]
  ownerReferences: [{apiVersion: rathaus.io/v1alpha1, kind: MunicipalityWorkspace, name: bench-0001, uid: 9f}]
  labels: {app.kubernetes.io/managed-by: rathaus}
  annotations: {rathaus.io/desired-hash: abc}
spec:
  type: NodePort
  clusterIP: 10.96.3.4
  clusterIPs: [10.96.3.4]
  ports: [{name: smtp, port: 25, nodePort: 30025}]
status: {loadBalancer: {}}
`,
		want: `
apiVersion: v1
kind: Service
metadata:
  name: mail
  namespace: base-0001
  labels: {app.kubernetes.io/managed-by: rathaus}
  annotations: {rathaus.io/desired-hash: abc}
spec:
  type: NodePort
  ports: [{name: smtp, port: 25}]
`,
	}, {
		name: "job: generated selector and labels dropped",
		live: `
apiVersion: batch/v1
kind: Job
metadata:
  name: stalwart-plan-1
  namespace: bench-0001
  labels: {app.kubernetes.io/managed-by: rathaus, batch.kubernetes.io/job-name: stalwart-plan-1}
spec:
  selector: {matchLabels: {batch.kubernetes.io/controller-uid: 77}}
  template:
    metadata:
      labels: {app.kubernetes.io/component: mail, controller-uid: "77", job-name: stalwart-plan-1, batch.kubernetes.io/controller-uid: "77"}
    spec: {restartPolicy: Never}
`,
		want: `
apiVersion: batch/v1
kind: Job
metadata:
  name: stalwart-plan-1
  namespace: base-0001
  labels: {app.kubernetes.io/managed-by: rathaus}
spec:
  template:
    metadata:
      labels: {app.kubernetes.io/component: mail}
    spec: {restartPolicy: Never}
`,
	}, {
		name: "claim: bound volume and binder annotations dropped",
		live: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: nextcloud-data
  namespace: bench-0001
  annotations: {pv.kubernetes.io/bind-completed: "yes", volume.kubernetes.io/storage-provisioner: sim}
spec:
  volumeName: pvc-1
  resources: {requests: {storage: 10Gi}}
`,
		want: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: nextcloud-data
  namespace: base-0001
spec:
  resources: {requests: {storage: 10Gi}}
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			live := object(t, tc.live)
			before := live.DeepCopy()
			got := copyFor(live, "base-0001")
			if want := object(t, tc.want); !reflect.DeepEqual(got.Object, want.Object) {
				g, _ := yaml.Marshal(got.Object)
				t.Errorf("copy:\n%s\nwant:\n%s", g, tc.want)
			}
			if !reflect.DeepEqual(live.Object, before.Object) {
				t.Error("copyFor changed the live object")
			}
		})
	}
}

func TestIndexOf(t *testing.T) {
	for ns, want := range map[string]int{"bench-0000": 0, "bench-0999": 999, "bench-1234": 1234} {
		if got, ok := indexOf(ns, name); !ok || got != want {
			t.Errorf("indexOf(%q, name) = %d, %v; want %d", ns, got, ok, want)
		}
	}
	for _, ns := range []string{"base-0001", "bench-1", "bench-0001x", "kiel"} {
		if _, ok := indexOf(ns, name); ok {
			t.Errorf("indexOf(%q, name) took a namespace that is not the benchmark's", ns)
		}
	}
	if got, ok := indexOf("base-0042", copyName); !ok || got != 42 {
		t.Errorf("indexOf(base-0042, copyName) = %d, %v; want 42", got, ok)
	}
	if _, ok := indexOf("bench-0042", copyName); ok {
		t.Error("indexOf took a benchmark namespace for a copy's")
	}
}

// The baseline waits for its copies as the operator judges its own workloads: rolled out,
// every replica updated and available; workloads outside the copies do not count.
func TestUnready(t *testing.T) {
	deployment := func(ns string, mutate func(*appsv1.Deployment)) client.Object {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web", Generation: 2}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}}
		d.Status = rollout.Deployment(d)
		if mutate != nil {
			mutate(d)
		}
		return d
	}
	statefulSet := func(ns string, mutate func(*appsv1.StatefulSet)) client.Object {
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db", Generation: 1}}
		s.Status = rollout.StatefulSet(s)
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	for _, tc := range []struct {
		name      string
		workloads []client.Object
		want      int
	}{
		{"rolled out", []client.Object{deployment("base-0000", nil), statefulSet("base-0001", nil)}, 0},
		{"a replica not available", []client.Object{deployment("base-0000", func(d *appsv1.Deployment) { d.Status.AvailableReplicas = 1 })}, 1},
		{"a generation not observed", []client.Object{statefulSet("base-0001", func(s *appsv1.StatefulSet) { s.Status.ObservedGeneration = 0 })}, 1},
		{"not a copy", []client.Object{deployment("bench-0000", func(d *appsv1.Deployment) { d.Status = appsv1.DeploymentStatus{} })}, 0},
		{"a copy beyond n", []client.Object{deployment("base-0002", func(d *appsv1.Deployment) { d.Status = appsv1.DeploymentStatus{} })}, 0},
	} {
		if got := unready(tc.workloads, 2); got != tc.want {
			t.Errorf("%s: %d unready, want %d", tc.name, got, tc.want)
		}
	}
}

// TestCapturedCopiesComeBackAsWritten: what capture writes for a baseline on a cluster of its
// own reads back as the same copies, in the same order.
func TestCapturedCopiesComeBackAsWritten(t *testing.T) {
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "base-0000"}}}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "rathaus-dns", "namespace": "base-0000"}, "data": map[string]any{"zone.txt": "x"}}}
	path := filepath.Join(t.TempDir(), "objects.json")
	out := []capturedNamespace{{Namespace: ns.Object, Objects: []map[string]any{cm.Object}}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := captured(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0].namespace.Object, ns.Object) || len(got[0].objects) != 1 || !reflect.DeepEqual(got[0].objects[0].Object, cm.Object) {
		t.Errorf("captured = %+v", got)
	}
}
