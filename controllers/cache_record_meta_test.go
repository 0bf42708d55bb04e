package controllers

import (
	"reflect"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// TestRecordMetadataReadsBackExactly: whatever form an object's UID and digests have, and
// whatever rare metadata it carries, its record reads back (through a reader's copy and
// through the record's own getters, which the cache's indexers and event handlers use) as
// exactly the metadata the operator reads; the common form costs no rare part.
func TestRecordMetadataReadsBackExactly(t *testing.T) {
	deleted := metav1.Unix(1700000500, 0)
	another := []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "backup", UID: "c1", Controller: ptr.To(true)}}
	for _, tc := range []struct {
		name       string
		uid        string
		hash       string
		edit       func(*metav1.ObjectMeta)
		commonForm bool
	}{
		{"the API server's forms", "0f8fad5b-d9cb-469f-a165-70867728950e", "9f86d081884c7d65", func(*metav1.ObjectMeta) {}, true},
		{"no desired hash (made by another controller)", "0f8fad5b-d9cb-469f-a165-70867728950e", "", func(*metav1.ObjectMeta) {}, true},
		{"a UID not in canonical form", "0F8FAD5B-D9CB-469F-A165-70867728950E", "9f86d081884c7d65", func(*metav1.ObjectMeta) {}, false},
		{"a UID of another form (objects made by hand)", "u1", "9f86d081884c7d65", func(*metav1.ObjectMeta) {}, false},
		{"no UID", "", "9f86d081884c7d65", func(*metav1.ObjectMeta) {}, true},
		{"a hash of another form", "0f8fad5b-d9cb-469f-a165-70867728950e", "sha256:abc", func(*metav1.ObjectMeta) {}, false},
		{"being deleted, with finalizers", "0f8fad5b-d9cb-469f-a165-70867728950e", "9f86d081884c7d65", func(m *metav1.ObjectMeta) {
			m.DeletionTimestamp, m.DeletionGracePeriodSeconds, m.Finalizers = &deleted, ptr.To[int64](30), []string{"kubernetes.io/pvc-protection"}
		}, false},
		{"made by another controller", "0f8fad5b-d9cb-469f-a165-70867728950e", "9f86d081884c7d65", func(m *metav1.ObjectMeta) {
			m.OwnerReferences, m.GenerateName = another, "backup-"
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := metav1.ObjectMeta{
				Name: "x", Namespace: "kiel", UID: types.UID(tc.uid), ResourceVersion: "7", Generation: 2,
				CreationTimestamp: metav1.Unix(1700000000, 0),
				Labels:            map[string]string{ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue},
				Annotations:       map[string]string{"deployment.kubernetes.io/revision": "3"},
				OwnerReferences:   []metav1.OwnerReference{{APIVersion: "rathaus.io/v1alpha1", Kind: "MunicipalityWorkspace", Name: "kiel", UID: "w1", Controller: ptr.To(true)}},
			}
			if tc.hash != "" {
				meta.Annotations[ownership.HashAnnotation] = tc.hash
			}
			tc.edit(&meta)
			obj := &corev1.ConfigMap{ObjectMeta: meta}
			fingerprint, err := apply.Fingerprint(obj)
			if err != nil {
				t.Fatal(err)
			}
			want := meta.DeepCopy()
			want.Annotations = map[string]string{apply.FingerprintAnnotation: fingerprint}
			if tc.hash != "" {
				want.Annotations[ownership.HashAnnotation] = tc.hash
			}
			if !ownership.ControlledByAnother(obj) {
				want.OwnerReferences = nil
			}
			record := must(trimForCache(obj)).(*cachedRecord)
			if got := typedView(record).(*corev1.ConfigMap).ObjectMeta; !reflect.DeepEqual(got, *want) {
				t.Errorf("reads back as\n%+v\nwant\n%+v", got, *want)
			}
			var read client.Object = record
			if read.GetUID() != want.UID || read.GetName() != "x" || read.GetNamespace() != "kiel" || read.GetResourceVersion() != "7" ||
				read.GetGeneration() != 2 || !reflect.DeepEqual(read.GetCreationTimestamp(), want.CreationTimestamp) ||
				!reflect.DeepEqual(read.GetLabels(), want.Labels) || !reflect.DeepEqual(read.GetFinalizers(), want.Finalizers) ||
				!reflect.DeepEqual(read.GetDeletionTimestamp(), want.DeletionTimestamp) || !reflect.DeepEqual(read.GetOwnerReferences(), want.OwnerReferences) {
				t.Errorf("the record's getters disagree with its copy: %+v", record.recordMeta)
			}
			if (record.rare == nil) != tc.commonForm {
				t.Errorf("rare part %+v, want one: %v", record.rare, !tc.commonForm)
			}
		})
	}
	var m recordMeta
	for _, uid := range []types.UID{"u1", "0f8fad5b-d9cb-469f-a165-70867728950e", "", "U2"} {
		if m.SetUID(uid); m.GetUID() != uid {
			t.Errorf("a UID set as %q reads as %q", uid, m.GetUID())
		}
	}
	if size := unsafe.Sizeof(cachedRecord{}); size > 136 {
		t.Errorf("a record is %d bytes; it was 136 (144 as allocated)", size)
	}
}
