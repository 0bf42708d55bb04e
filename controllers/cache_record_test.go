package controllers

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// TestRecordsReadAsTheTrimmedObjects: of every trimmed kind, a reader gets exactly the typed
// object with the metadata the operator reads, the fingerprint and hash as annotations and
// the kept fields of spec and status; nothing of the content, nothing else.
func TestRecordsReadAsTheTrimmedObjects(t *testing.T) {
	full := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name: "x", Namespace: "kiel", Generation: 2, UID: "u1", ResourceVersion: "7",
			CreationTimestamp: metav1.Unix(1700000000, 0),
			Labels: map[string]string{ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue,
				ownership.ComponentLabel: "files", "app.kubernetes.io/name": "nextcloud"},
			Annotations:     map[string]string{ownership.HashAnnotation: "h1", "kubectl.kubernetes.io/last-applied-configuration": "{}"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "rathaus.io/v1alpha1", Kind: "MunicipalityWorkspace", Name: "kiel", UID: "w1", Controller: ptr.To(true)}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "rathaus", Operation: metav1.ManagedFieldsOperationApply}},
		}
	}
	read := func(fingerprint string) metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name: "x", Namespace: "kiel", Generation: 2, UID: "u1", ResourceVersion: "7",
			CreationTimestamp: metav1.Unix(1700000000, 0),
			Labels:            map[string]string{ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue, ownership.ComponentLabel: "files"},
			Annotations:       map[string]string{ownership.HashAnnotation: "h1", apply.FingerprintAnnotation: fingerprint},
		}
	}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "nextcloud"}, Annotations: map[string]string{"rathaus.io/applied-plan": "p1"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nextcloud", Image: "nextcloud:31"}}},
	}
	templateRead := metav1.ObjectMeta{Annotations: map[string]string{"rathaus.io/applied-plan": "p1"}}
	started := metav1.Unix(1700000100, 0)
	for _, tc := range []struct{ object, want client.Object }{
		{
			&appsv1.Deployment{ObjectMeta: full(), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: template, Paused: true},
				Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1, CollisionCount: ptr.To[int32](1),
					Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse}}}},
			&appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: corev1.PodTemplateSpec{ObjectMeta: templateRead}},
				Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1}},
		},
		{
			&appsv1.StatefulSet{ObjectMeta: full(), Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Template: template, ServiceName: "x"},
				Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1, CurrentRevision: "x-1", UpdateRevision: "x-2"}},
			&appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Template: corev1.PodTemplateSpec{ObjectMeta: templateRead}},
				Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1}},
		},
		{
			&batchv1.CronJob{ObjectMeta: full(), Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: ptr.To(true), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}}},
				Status: batchv1.CronJobStatus{LastScheduleTime: &started, Active: []corev1.ObjectReference{{Name: "x-1"}}}},
			&batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: ptr.To(true)},
				Status: batchv1.CronJobStatus{LastScheduleTime: &started, Active: []corev1.ObjectReference{{Name: "x-1"}}}},
		},
		{
			&batchv1.Job{ObjectMeta: full(), Spec: batchv1.JobSpec{Template: template, BackoffLimit: ptr.To[int32](2)},
				Status: batchv1.JobStatus{Succeeded: 1, Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
			&batchv1.Job{Status: batchv1.JobStatus{Succeeded: 1, Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
		},
		{&corev1.ConfigMap{ObjectMeta: full(), Data: map[string]string{"config.php": "<?php"}, Immutable: ptr.To(true)}, &corev1.ConfigMap{}},
		{&networkingv1.NetworkPolicy{ObjectMeta: full(), Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}, &networkingv1.NetworkPolicy{}},
		{&networkingv1.Ingress{ObjectMeta: full(), Spec: networkingv1.IngressSpec{IngressClassName: ptr.To("nginx")}}, &networkingv1.Ingress{}},
		{&policyv1.PodDisruptionBudget{ObjectMeta: full(), Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}, Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 1}}, &policyv1.PodDisruptionBudget{}},
		{&rbacv1.Role{ObjectMeta: full(), Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}}}}, &rbacv1.Role{}},
		{&rbacv1.RoleBinding{ObjectMeta: full(), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "x"}}, &rbacv1.RoleBinding{}},
		{&corev1.ResourceQuota{ObjectMeta: full(), Spec: corev1.ResourceQuotaSpec{Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}}}, &corev1.ResourceQuota{}},
		{&corev1.LimitRange{ObjectMeta: full(), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer}}}}, &corev1.LimitRange{}},
		{
			&corev1.Service{ObjectMeta: full(), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.0.0.7", ClusterIPs: []string{"10.0.0.7"},
				Selector: map[string]string{"app": "jvb"}, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal, HealthCheckNodePort: 32000,
				Ports: []corev1.ServicePort{{Name: "media", Protocol: corev1.ProtocolUDP, Port: 10000, TargetPort: intstr.FromInt32(10000), NodePort: 31000}}},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.7", IPMode: ptr.To(corev1.LoadBalancerIPModeVIP)}}}}},
			&corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer,
				Ports: []corev1.ServicePort{{Name: "media", Protocol: corev1.ProtocolUDP, Port: 10000, NodePort: 31000}}},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.7", IPMode: ptr.To(corev1.LoadBalancerIPModeVIP)}}}}},
		},
		{
			&corev1.PersistentVolumeClaim{ObjectMeta: full(), Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: ptr.To("standard"), VolumeName: "pvc-1", VolumeMode: ptr.To(corev1.PersistentVolumeFilesystem),
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}},
			&corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: ptr.To("standard"), Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}},
		},
		{
			&corev1.Secret{ObjectMeta: full(), Type: corev1.SecretTypeOpaque, Immutable: ptr.To(false),
				Data: map[string][]byte{"password": []byte("s3cr3t"), "username": []byte("nextcloud"), "empty": {}}},
			&corev1.Secret{Type: corev1.SecretTypeOpaque, Immutable: ptr.To(false),
				Data: map[string][]byte{"password": []byte("s3cr3t"), "username": []byte("nextcloud"), "empty": {}}},
		},
	} {
		fingerprint, err := apply.Fingerprint(tc.object)
		if err != nil {
			t.Fatal(err)
		}
		meta := read(fingerprint)
		switch tc.object.(type) {
		case *corev1.Service, *corev1.PersistentVolumeClaim, *corev1.Secret:
			meta.Labels = maps.Clone(tc.object.GetLabels()) // renderers read these kinds' labels
		}
		*tc.want.(metav1.ObjectMetaAccessor).GetObjectMeta().(*metav1.ObjectMeta) = meta
		cached := must(trimForCache(tc.object)).(client.Object)
		if _, ok := cached.(*cachedRecord); !ok {
			t.Errorf("%T: the cache holds a %T, not a record", tc.object, cached)
			continue
		}
		if got := typedView(cached); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%T reads as\n%+v\nwant\n%+v", tc.object, got, tc.want)
		}
		if cached.GetLabels()[ownership.WorkspaceLabel] != "kiel" || cached.GetName() != "x" {
			t.Errorf("%T: event handlers cannot map the record to its workspace: %v", tc.object, cached.GetLabels())
		}
	}
}

// TestReadersOfRecordsShareNothingWithThem: whatever a reader writes into what it read of a
// record (labels, annotations, the pod template's metadata, replicas, status, a Secret's
// data) changes neither the record nor the next reader's copy.
func TestReadersOfRecordsShareNothingWithThem(t *testing.T) {
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "kiel", Labels: map[string]string{ownership.WorkspaceLabel: "kiel"},
			Annotations: map[string]string{ownership.HashAnnotation: "h1"}},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{
			Labels: map[string]string{"app": "stalwart"}, Annotations: map[string]string{"rathaus.io/applied-plan": "p1"}}}},
	}
	cached := must(trimForCache(sts)).(client.Object)
	first := typedView(cached).(*appsv1.StatefulSet)
	before := typedView(cached).DeepCopyObject()
	first.Labels[ownership.WorkspaceLabel] = "flensburg"
	first.Annotations[ownership.HashAnnotation] = "h2"
	first.Spec.Template.Annotations["rathaus.io/applied-plan"] = "p2"
	*first.Spec.Replicas = 0
	if after := typedView(cached); !reflect.DeepEqual(after, before) {
		t.Errorf("a reader's writes reached the cache:\n%+v\nwas\n%+v", after, before)
	}

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "kiel"}, Data: map[string][]byte{"password": []byte("s3cr3t")}}
	cachedSecret := must(trimForCache(secret)).(client.Object)
	copied := typedView(cachedSecret).(*corev1.Secret)
	copied.Data["password"][0] = 'X'
	copied.Data["token"] = []byte("t")
	if got := typedView(cachedSecret).(*corev1.Secret).Data; string(got["password"]) != "s3cr3t" || len(got) != 1 {
		t.Errorf("a reader's write into a Secret's data reached the cache: %q", got)
	}

	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "kiel"},
		Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}}
	cachedJob := must(trimForCache(job)).(client.Object)
	typedView(cachedJob).(*batchv1.Job).Status.Conditions[0].Status = corev1.ConditionFalse
	if typedView(cachedJob).(*batchv1.Job).Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Error("a reader's write into a Job's conditions reached the cache")
	}
}

// BenchmarkCachedObjectMemory reports what the cache holds per object of two rendered
// workspaces (the goldens of Files with platform Secrets and of Media), decoded as the
// informers decode them: decoded-B/object is the typed objects as the API server sends them,
// cached-B/object what trimForCache leaves of them (records for the trimmed kinds, the
// others whole without managed fields). Label sets shared with earlier objects are not
// counted, as in a cache that holds many workspaces.
func BenchmarkCachedObjectMemory(b *testing.B) {
	var docs [][]byte
	for _, golden := range []string{"files-platform-secrets.yaml", "media-S.yaml"} {
		raw, err := os.ReadFile(filepath.Join("..", "internal", "desired", "testdata", golden))
		if err != nil {
			b.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---\n") {
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				b.Fatal(err)
			}
			docs = append(docs, j)
		}
	}
	scheme := Scheme()
	made := 0
	decode := func() []client.Object {
		out := make([]client.Object, 0, len(docs))
		for _, doc := range docs {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(doc); err != nil {
				b.Fatal(err)
			}
			typed, err := scheme.New(u.GroupVersionKind())
			if err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(doc, typed); err != nil {
				b.Fatal(err)
			}
			// What the API server adds to every object: a UID, a resource version, a
			// creation time.
			o := typed.(client.Object)
			made++
			o.SetUID(types.UID(fmt.Sprintf("%08x-0000-4000-8000-%012x", made, len(out))))
			o.SetResourceVersion(strconv.Itoa(100000 + made))
			o.SetCreationTimestamp(metav1.Unix(1700000000+int64(made), 0))
			out = append(out, o)
		}
		return out
	}
	const copies = 50
	held := func(fill func() []any) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		kept := fill()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(kept)
		return float64(after.HeapAlloc-before.HeapAlloc) / float64(len(kept))
	}
	var decoded, cached float64
	for b.Loop() {
		decoded = held(func() []any {
			var out []any
			for range copies {
				for _, o := range decode() {
					out = append(out, o)
				}
			}
			return out
		})
		cached = held(func() []any {
			var out []any
			for range copies {
				for _, o := range decode() {
					out = append(out, must(trimForCache(o)))
				}
			}
			return out
		})
	}
	b.ReportMetric(decoded, "decoded-B/object")
	b.ReportMetric(cached, "cached-B/object")
}
