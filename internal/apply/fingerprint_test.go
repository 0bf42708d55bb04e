package apply

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
)

// deployment is a Deployment as the API server returns it after the operator applied it: its
// managed fields say which labels and annotations are the operator's.
func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "rathaus-nextcloud", Namespace: "kiel", ResourceVersion: "41", Generation: 3, UID: "u-1",
			Labels:      map[string]string{"app.kubernetes.io/managed-by": "rathaus"},
			Annotations: map[string]string{"rathaus.io/desired-hash": "abc"},
			ManagedFields: []metav1.ManagedFieldsEntry{{
				Manager: "rathaus", Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
				FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:annotations":{"f:rathaus.io/desired-hash":{}},"f:labels":{"f:app.kubernetes.io/managed-by":{}}},"f:spec":{"f:replicas":{}}}`)},
			}},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nextcloud", Image: "nextcloud:34.0.2-apache"}}}},
		},
		Status: appsv1.DeploymentStatus{AvailableReplicas: 2},
	}
}

func fingerprint(t *testing.T, obj runtime.Object) string {
	t.Helper()
	fp, err := Fingerprint(obj)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// fingerprinters are the two ways to a fingerprint: the generated encoding of the API types,
// and unstructured content, which kinds of other operators take.
var fingerprinters = map[string]func(runtime.Object) (string, error){
	"typed":   Fingerprint,
	"content": contentFingerprint,
}

func TestFingerprintChangesWithWhatAWriteChanges(t *testing.T) {
	for way, fingerprint := range fingerprinters {
		t.Run(way, func(t *testing.T) { testFingerprintChanges(t, fingerprint) })
	}
}

func testFingerprintChanges(t *testing.T, fingerprintOf func(runtime.Object) (string, error)) {
	fingerprint := func(t *testing.T, obj runtime.Object) string {
		t.Helper()
		fp, err := fingerprintOf(obj)
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}
	base := fingerprint(t, deployment())
	tests := []struct {
		name    string
		mutate  func(*appsv1.Deployment)
		changes bool
	}{
		{"the image", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nextcloud:35.0.0-apache" }, true},
		{"the replicas (kubectl scale)", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](0) }, true},
		{"a template annotation (kubectl rollout restart)", func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{"kubectl.kubernetes.io/restartedAt": "now"}
		}, true},
		{"an annotation the operator applies", func(d *appsv1.Deployment) { d.Annotations["rathaus.io/desired-hash"] = "def" }, true},
		{"the status", func(d *appsv1.Deployment) { d.Status.AvailableReplicas = 0 }, false},
		{"the resource version and generation", func(d *appsv1.Deployment) { d.ResourceVersion, d.Generation = "99", 4 }, false},
		{"another controller's annotation (the deployment's revision)", func(d *appsv1.Deployment) {
			d.Annotations["deployment.kubernetes.io/revision"] = "2"
		}, false},
		{"the cache's own annotation", func(d *appsv1.Deployment) { d.Annotations[FingerprintAnnotation] = "x" }, false},
		{"the type, which the cache drops", func(d *appsv1.Deployment) { d.TypeMeta = metav1.TypeMeta{} }, false},
		{"a label the operator applies", func(d *appsv1.Deployment) { d.Labels["app.kubernetes.io/managed-by"] = "helm" }, true},
		{"the owner", func(d *appsv1.Deployment) { d.OwnerReferences = []metav1.OwnerReference{{Kind: "Other", Name: "x"}} }, true},
		{"a container's environment", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "DEBUG", Value: "1"}}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment()
			tt.mutate(d)
			if got := fingerprint(t, d) != base; got != tt.changes {
				t.Errorf("fingerprint changed: %v, want %v", got, tt.changes)
			}
		})
	}
}

// TestFingerprintOfAnApplyResponse: the response of an apply (unstructured, as the API
// server sent it) fingerprints like the same object decoded into the cache (typed).
func TestFingerprintOfAnApplyResponse(t *testing.T) {
	typed := deployment()
	raw, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	response := &unstructured.Unstructured{}
	if err := json.Unmarshal(raw, &response.Object); err != nil {
		t.Fatal(err)
	}
	typed.TypeMeta = metav1.TypeMeta{} // the cache's typed objects carry none
	got, err := FingerprintOf(clientgoscheme.Scheme, response)
	if err != nil {
		t.Fatal(err)
	}
	if want := fingerprint(t, typed); got != want {
		t.Errorf("response %s, cached %s", got, want)
	}
}

// TestClaimFingerprintIgnoresTheBinder: a claim the binder bound to its volume is still as the
// operator applied it, so that binding costs no apply; a claim asking for more space is not.
func TestClaimFingerprintIgnoresTheBinder(t *testing.T) {
	claim := func() *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "rathaus-nextcloud-data", Namespace: "kiel"},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}},
		}
	}
	applied := fingerprint(t, claim())
	bound := claim()
	bound.Spec.VolumeName = "pvc-1"
	bound.Status.Phase = corev1.ClaimBound
	if got := fingerprint(t, bound); got != applied {
		t.Errorf("binding changed the fingerprint: %s, applied %s", got, applied)
	}
	if bound.Spec.VolumeName != "pvc-1" {
		t.Error("fingerprinting cleared the claim's volume name")
	}
	grown := claim()
	grown.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("20Gi")
	if fingerprint(t, grown) == applied {
		t.Error("a larger request left the fingerprint as applied")
	}
}

// TestManagedFieldsEntriesAreParsedOnce: the objects of a kind and component, whose managed
// fields entries are the same in every workspace, share one parse of it; past the bound, an
// entry is parsed each time and still read right.
func TestManagedFieldsEntriesAreParsedOnce(t *testing.T) {
	entry := func(label string) []metav1.ManagedFieldsEntry {
		return []metav1.ManagedFieldsEntry{{Manager: "rathaus", Operation: metav1.ManagedFieldsOperationApply,
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:` + label + `":{}}}}`)}}}
	}
	same := func(a, b map[string]map[string]bool) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	kiel, flensburg := ownedKeys(entry("app.kubernetes.io/name")), ownedKeys(entry("app.kubernetes.io/name"))
	if !same(kiel, flensburg) || !kiel["labels"]["app.kubernetes.io/name"] {
		t.Errorf("one entry parsed twice, or read wrong: %v", kiel)
	}
	if other := ownedKeys(entry("app.kubernetes.io/part-of")); same(other, kiel) || !other["labels"]["app.kubernetes.io/part-of"] || other["labels"]["app.kubernetes.io/name"] {
		t.Errorf("another entry reads as %v", other)
	}
	defer func(limit int64) { maxParsedEntries = limit }(maxParsedEntries)
	maxParsedEntries = parsedEntryCount.Load()
	first, again := ownedKeys(entry("past-the-bound")), ownedKeys(entry("past-the-bound"))
	if same(first, again) || !first["labels"]["past-the-bound"] || !again["labels"]["past-the-bound"] {
		t.Errorf("past the bound: %v and %v", first, again)
	}
}

// TestFingerprintsOfConcurrentInformers: the cache's informers fingerprint concurrently,
// sharing the buffers and copies the encoding reuses; every object still gets its own
// fingerprint.
func TestFingerprintsOfConcurrentInformers(t *testing.T) {
	objects := make([]runtime.Object, 0, 40)
	want := make([]string, 0, 40)
	for i := range 40 {
		d := deployment()
		d.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("nextcloud:%d", i)
		var obj runtime.Object = d
		if i%2 == 1 {
			obj = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "kiel"}, Data: map[string]string{"n": strings.Repeat("x", i*50)}}
		}
		objects = append(objects, obj)
		want = append(want, fingerprint(t, obj))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for round := range 50 {
				i := (w*7 + round) % len(objects)
				if got, err := Fingerprint(objects[i]); err != nil || got != want[i] {
					t.Errorf("object %d: fingerprint %s (%v), alone %s", i, got, err, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestTypedFingerprintLeavesTheObjectAlone: the cache fingerprints the object it is about to
// keep, and the reconciler objects it shares with no one; neither may change.
func TestTypedFingerprintLeavesTheObjectAlone(t *testing.T) {
	d := deployment()
	d.Annotations["deployment.kubernetes.io/revision"] = "2"
	before := d.DeepCopy()
	if _, ok, err := typedFingerprint(d); !ok || err != nil {
		t.Fatalf("typed fingerprint of a Deployment: ok %v, err %v", ok, err)
	}
	if !equality.Semantic.DeepEqual(d, before) {
		t.Errorf("fingerprinting changed the object:\n%+v\nwas\n%+v", d, before)
	}
	if _, ok, _ := typedFingerprint(&unstructured.Unstructured{Object: map[string]any{"kind": "Cluster"}}); ok {
		t.Error("an unstructured object took the typed way")
	}
}

// BenchmarkFingerprint is what the cache pays per trimmed object while the operator starts:
// a Deployment as the API server sends it, with the operator's managed fields.
func BenchmarkFingerprint(b *testing.B) {
	d := deployment()
	d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{
		Name: "cron", Image: "nextcloud:34.0.2-apache", Command: []string{"/cron.sh"},
		Env:          []corev1.EnvVar{{Name: "POSTGRES_HOST", Value: "rathaus-postgresql"}, {Name: "REDIS_HOST", Value: "rathaus-valkey"}},
		VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/www/html"}},
	})
	d.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "rathaus-nextcloud-data"}}}}
	for _, way := range []string{"typed", "content"} {
		b.Run(way, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fingerprinters[way](d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
