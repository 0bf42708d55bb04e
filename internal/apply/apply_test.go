package apply

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns", Labels: map[string]string{"a": "b"}},
		Data:       data,
	}
}

func TestPrepare(t *testing.T) {
	u, err := Prepare(configMap(map[string]string{"k": "v"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Object["metadata"].(map[string]any)["creationTimestamp"]; ok {
		t.Error("null creationTimestamp was kept; applying it would claim the field")
	}
	if u.GetAnnotations()[ownership.HashAnnotation] == "" {
		t.Error("no hash annotation")
	}
	again, _ := Prepare(configMap(map[string]string{"k": "v"}))
	if again.GetAnnotations()[ownership.HashAnnotation] != u.GetAnnotations()[ownership.HashAnnotation] {
		t.Error("hash differs for the same object")
	}
	changed, _ := Prepare(configMap(map[string]string{"k": "w"}))
	if changed.GetAnnotations()[ownership.HashAnnotation] == u.GetAnnotations()[ownership.HashAnnotation] {
		t.Error("hash is the same for different objects")
	}
	if _, err := Prepare(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}); err == nil {
		t.Error("an object without kind was accepted")
	}
}

func TestUpToDate(t *testing.T) {
	desired, err := Prepare(configMap(map[string]string{"k": "v"}))
	if err != nil {
		t.Fatal(err)
	}
	hash := desired.GetAnnotations()[ownership.HashAnnotation]
	observed := func(mutate func(*corev1.ConfigMap)) *corev1.ConfigMap {
		cm := configMap(map[string]string{"k": "v"})
		cm.TypeMeta = metav1.TypeMeta{} // the cache returns typed objects without kind
		cm.ResourceVersion = "42"
		cm.UID = "uid"
		cm.Annotations = map[string]string{ownership.HashAnnotation: hash}
		if mutate != nil {
			mutate(cm)
		}
		return cm
	}
	tests := []struct {
		name     string
		observed *corev1.ConfigMap
		want     bool
	}{
		{name: "same", observed: observed(nil), want: true},
		{name: "others added labels, annotations and data", observed: observed(func(cm *corev1.ConfigMap) {
			cm.Labels["team"] = "x"
			cm.Annotations["note"] = "y"
			cm.Data["extra"] = "z"
		}), want: true},
		{name: "our value drifted", observed: observed(func(cm *corev1.ConfigMap) { cm.Data["k"] = "changed" }), want: false},
		{name: "our label removed", observed: observed(func(cm *corev1.ConfigMap) { delete(cm.Labels, "a") }), want: false},
		{name: "applied from another desired state", observed: observed(func(cm *corev1.ConfigMap) { cm.Annotations[ownership.HashAnnotation] = "old" }), want: false},
		{name: "never applied by us", observed: observed(func(cm *corev1.ConfigMap) { cm.Annotations = nil }), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UpToDate(desired, tt.observed)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("UpToDate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUpToDateIgnoresEmptyValuesTheServerDrops(t *testing.T) {
	q := &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}, Scopes: []corev1.ResourceQuotaScope{}},
	}
	desired, err := Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	observed := q.DeepCopy()
	observed.Spec.Scopes = nil
	observed.Annotations = desired.GetAnnotations()
	if ok, _ := UpToDate(desired, observed); !ok {
		t.Fatal("an empty list the server dropped made the object look changed")
	}
	observed.Spec.Hard[corev1.ResourcePods] = resource.MustParse("11")
	if ok, _ := UpToDate(desired, observed); ok {
		t.Fatal("a changed quantity went unnoticed")
	}
}
