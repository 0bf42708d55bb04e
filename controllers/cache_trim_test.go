package controllers

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// TestTrimKeepsWhatTheOperatorReads: a trimmed object still carries what health, prune and the
// renderers read (labels, replicas, the pod template's annotations, status) and its
// fingerprint; its content is gone. Kinds whose content is read stay whole.
func TestTrimKeepsWhatTheOperatorReads(t *testing.T) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name: "x", Namespace: "kiel", Generation: 2, UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{
				ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue, ownership.ComponentLabel: "files",
				ownership.DataLabel: "true", "app.kubernetes.io/part-of": "rathaus", "app.kubernetes.io/name": "nextcloud",
			},
			Annotations:     map[string]string{ownership.HashAnnotation: "h1", "deployment.kubernetes.io/revision": "3"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "rathaus.io/v1alpha1", Kind: "MunicipalityWorkspace", Name: "kiel", UID: "w1"}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "rathaus", Operation: metav1.ManagedFieldsOperationApply}},
		}
	}
	sts := &appsv1.StatefulSet{
		ObjectMeta: meta(),
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](1),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"rathaus.io/applied-plan": "p1"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "stalwart", Image: "stalwart:v0.16.18", Command: []string{"/bin/sh", "-c", "a long script"}}}},
			},
		},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, UpdatedReplicas: 1, AvailableReplicas: 1,
			CurrentRevision: "stalwart-7c9f", UpdateRevision: "stalwart-7c9f",
			Conditions: []appsv1.StatefulSetCondition{{Type: "Progressing", Status: corev1.ConditionTrue, Message: "rolled out"}}},
	}
	want, err := apply.Fingerprint(sts)
	if err != nil {
		t.Fatal(err)
	}
	got := must(trimForCache(sts))
	if _, ok := got.(*cachedRecord); !ok {
		t.Fatalf("the cache holds a %T of a StatefulSet, not a record", got)
	}
	trimmed := asRead(sts).(*appsv1.StatefulSet)
	if trimmed.Annotations[apply.FingerprintAnnotation] != want || trimmed.ManagedFields != nil {
		t.Errorf("fingerprint %q (want %q), managed fields %v", trimmed.Annotations[apply.FingerprintAnnotation], want, trimmed.ManagedFields)
	}
	if again := must(trimForCache(got)); again != got {
		t.Error("a second pass (client-go's resync, a relist) changes the fingerprint: the transform must be idempotent")
	}
	if len(trimmed.Spec.Template.Spec.Containers) != 0 || *trimmed.Spec.Replicas != 1 || trimmed.Spec.Template.Annotations["rathaus.io/applied-plan"] != "p1" {
		t.Errorf("trimmed spec: %+v", trimmed.Spec)
	}
	if trimmed.OwnerReferences != nil || len(trimmed.Labels) != 4 || trimmed.Labels[ownership.DataLabel] != "true" || trimmed.Labels[ownership.WorkspaceLabel] != "kiel" ||
		len(trimmed.Annotations) != 2 || trimmed.Annotations[ownership.HashAnnotation] != "h1" {
		t.Errorf("trimmed metadata keeps more or less than the operator reads: labels %v, annotations %v, owners %v", trimmed.Labels, trimmed.Annotations, trimmed.OwnerReferences)
	}
	othersJob := &batchv1.Job{ObjectMeta: meta()}
	othersJob.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "x", UID: "c1", Controller: ptr.To(true)}}
	if !ownership.ControlledByAnother(asRead(othersJob)) {
		t.Error("trimming drops the controller reference that says another controller made the object")
	}
	if trimmed.UID != "u1" || trimmed.ResourceVersion != "7" || trimmed.Generation != 2 || trimmed.Namespace != "kiel" {
		t.Errorf("trimmed identity: %+v", trimmed.ObjectMeta)
	}
	if s := health.Of("StatefulSet", "x", trimmed); !s.Ready {
		t.Errorf("a trimmed, rolled-out StatefulSet is judged %+v", s)
	}
	if st := trimmed.Status; st.Conditions != nil || st.CurrentRevision != "" || st.UpdateRevision != "" {
		t.Errorf("a StatefulSet's conditions and revisions, which its controller rewrites and no one reads, are kept: %+v", st)
	}

	for _, o := range []client.Object{
		&networkingv1.NetworkPolicy{ObjectMeta: meta(), Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}},
		&corev1.ConfigMap{ObjectMeta: meta(), Data: map[string]string{"zone.txt": "kiel.de. 3600 IN A 192.0.2.1"}},
		&batchv1.CronJob{ObjectMeta: meta(), Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{BackoffLimit: ptr.To[int32](2)}}}},
	} {
		if asRead(o).GetAnnotations()[apply.FingerprintAnnotation] == "" {
			t.Errorf("%T kept whole", o)
		}
	}
	if cm := asRead(&corev1.ConfigMap{ObjectMeta: meta(), Data: map[string]string{"k": "v"}}).(*corev1.ConfigMap); cm.Data != nil {
		t.Error("a ConfigMap's data is kept")
	}
	if cj := asRead(&batchv1.CronJob{ObjectMeta: meta(), Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *"}}).(*batchv1.CronJob); cj.Spec.Schedule != "0 2 * * *" {
		t.Error("a CronJob's schedule is lost")
	}

	for _, o := range []client.Object{
		&corev1.ServiceAccount{ObjectMeta: meta()},
		&corev1.Namespace{ObjectMeta: meta()},
	} {
		got, _ := trimForCache(o)
		kept := got.(client.Object)
		if kept.GetAnnotations()[apply.FingerprintAnnotation] != "" || kept.GetManagedFields() != nil {
			t.Errorf("%T: read whole, must be kept whole (managed fields aside)", o)
		}
	}
	svc := asRead(&corev1.Service{ObjectMeta: meta(), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.0.0.7",
		Ports: []corev1.ServicePort{{Name: "media", Protocol: corev1.ProtocolUDP, Port: 10000, NodePort: 31000, TargetPort: intstr.FromInt32(10000)}}},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.7"}}}}}).(*corev1.Service)
	if svc.Spec.Ports[0].NodePort != 31000 || svc.Status.LoadBalancer.Ingress[0].IP != "192.0.2.7" || svc.Spec.ClusterIP != "" {
		t.Errorf("a Service reads as %+v", svc)
	}
	if svc.Labels["app.kubernetes.io/name"] != "nextcloud" {
		t.Errorf("a Service's labels, which renderers read, are dropped: %v", svc.Labels)
	}
	claim := asRead(&corev1.PersistentVolumeClaim{ObjectMeta: meta(), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, StorageClassName: ptr.To("rwx"), VolumeName: "pvc-1",
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("20Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}).(*corev1.PersistentVolumeClaim)
	if claim.Spec.AccessModes[0] != corev1.ReadWriteMany || *claim.Spec.StorageClassName != "rwx" || claim.Spec.Resources.Requests.Storage().String() != "20Gi" {
		t.Errorf("a claim's layout and size read as %+v", claim.Spec)
	}
	if s := health.Of("PersistentVolumeClaim", "x", claim); s.Ready {
		t.Error("a pending claim reads as bound")
	}
}

// asRead is o as the cache's readers get it: through the transform, then copied.
func asRead(o client.Object) client.Object {
	return typedView(must(trimForCache(o)).(client.Object))
}

func must(obj any, err error) any {
	if err != nil {
		panic(err)
	}
	return obj
}

// TestTrimmedObjectsShareTheirLabels: the objects of one workspace's component hold one label
// map between them, another component its own, and a reader's copy is its own.
func TestTrimmedObjectsShareTheirLabels(t *testing.T) {
	object := func(name, component string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kiel", Labels: map[string]string{
			ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue, ownership.ComponentLabel: component, "app.kubernetes.io/name": name,
		}}}
	}
	trimmed := func(o client.Object) map[string]string {
		got, _ := trimForCache(o)
		return got.(client.Object).GetLabels()
	}
	a, b, other := trimmed(object("a", "files")), trimmed(object("b", "files")), trimmed(object("c", "video"))
	same := func(x, y map[string]string) bool {
		return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	if !same(a, b) {
		t.Error("two objects of one component hold two label maps")
	}
	if same(a, other) || other[ownership.ComponentLabel] != "video" || a[ownership.ComponentLabel] != "files" || len(a) != 3 {
		t.Errorf("labels of files %v, of video %v", a, other)
	}
	cached := object("d", "files")
	copied := asRead(cached)
	copied.GetLabels()[ownership.ComponentLabel] = "changed"
	if a[ownership.ComponentLabel] != "files" {
		t.Error("changing a reader's copy changed the shared labels")
	}
}

// TestWholeObjectsShareTheirMetadata: objects the cache keeps whole keep every label and their
// owner reference, as the API server has them, but hold one label map and one owner reference
// per workspace's component between them; a reader's copy is its own.
func TestWholeObjectsShareTheirMetadata(t *testing.T) {
	account := func(name, workspace, uid string) *corev1.ServiceAccount {
		return &corev1.ServiceAccount{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: workspace, UID: types.UID("s-" + name),
				Labels: map[string]string{
					ownership.WorkspaceLabel: workspace, ownership.ManagedByLabel: ownership.ManagedByValue,
					ownership.ComponentLabel: "files", "app.kubernetes.io/part-of": "rathaus",
				},
				Annotations: map[string]string{ownership.HashAnnotation: "h-" + name},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "rathaus.io/v1alpha1", Kind: "MunicipalityWorkspace",
					Name: workspace, UID: types.UID(uid), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
				ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "rathaus", Operation: metav1.ManagedFieldsOperationApply}},
			},
			AutomountServiceAccountToken: ptr.To(false),
		}
	}
	cached := func(o *corev1.ServiceAccount) *corev1.ServiceAccount {
		return must(trimForCache(o)).(*corev1.ServiceAccount)
	}
	a, b := cached(account("a", "kiel", "w1")), cached(account("b", "kiel", "w1"))
	other := cached(account("c", "flensburg", "w2"))

	same := func(x, y any) bool { return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer() }
	if !same(a.Labels, b.Labels) || !same(a.OwnerReferences, b.OwnerReferences) {
		t.Error("two service accounts of one workspace's component hold their labels or owner reference twice")
	}
	if same(a.Labels, other.Labels) || same(a.OwnerReferences, other.OwnerReferences) {
		t.Error("two workspaces share labels or an owner reference")
	}
	for _, o := range []*corev1.ServiceAccount{a, b, other} {
		want := account(o.Name, o.Namespace, string(o.OwnerReferences[0].UID))
		want.ManagedFields = nil
		if !reflect.DeepEqual(o, want) {
			t.Errorf("cached service account %s differs from the API server's beyond managed fields:\n%+v\nwant\n%+v", o.Name, o.ObjectMeta, want.ObjectMeta)
		}
	}
	copied := a.DeepCopy()
	copied.Labels[ownership.ComponentLabel] = "changed"
	copied.OwnerReferences[0].Name = "changed"
	if b.Labels[ownership.ComponentLabel] != "files" || b.OwnerReferences[0].Name != "kiel" {
		t.Error("changing a reader's copy changed what the cache shares")
	}
}
