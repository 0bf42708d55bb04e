package controllers

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

// TestUpdatesOfWhatTheCacheDropsWakeNoReconcile: of the updates of a workspace's objects, as
// the cache's transform leaves them, those that changed only what the cache drops (a quota's
// usage, a workload's conditions, a disruption budget's counts, a claim's binding) pass no
// event to the workspace; a change of what health reads, of the object's content (its fingerprint), of its
// labels or its deletion, and a periodic resync do.
func TestUpdatesOfWhatTheCacheDropsWakeNoReconcile(t *testing.T) {
	meta := func(rv string) metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name: "x", Namespace: "kiel", Generation: 3, UID: "u1", ResourceVersion: rv,
			Labels: map[string]string{ownership.WorkspaceLabel: "kiel", ownership.ManagedByLabel: ownership.ManagedByValue, ownership.ComponentLabel: "files"},
		}
	}
	deployment := func(rv string, edit func(*appsv1.Deployment)) client.Object {
		d := &appsv1.Deployment{
			ObjectMeta: meta(rv),
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nextcloud", Image: "nextcloud:31"}}},
			}},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1,
				Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}},
		}
		edit(d)
		return must(trimForCache(d)).(client.Object)
	}
	quota := func(rv, used string) client.Object {
		return must(trimForCache(&corev1.ResourceQuota{
			ObjectMeta: meta(rv),
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("40")}},
			Status: corev1.ResourceQuotaStatus{
				Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("40")},
				Used: corev1.ResourceList{corev1.ResourcePods: resource.MustParse(used)},
			},
		})).(client.Object)
	}
	budget := func(rv string, healthy int32) client.Object {
		return must(trimForCache(&policyv1.PodDisruptionBudget{
			ObjectMeta: meta(rv),
			Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))},
			Status:     policyv1.PodDisruptionBudgetStatus{CurrentHealthy: healthy, DesiredHealthy: 1, ExpectedPods: 1},
		})).(client.Object)
	}
	ingress := func(rv, address string) client.Object {
		return must(trimForCache(&networkingv1.Ingress{
			ObjectMeta: meta(rv),
			Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{
				Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: address}}}},
		})).(client.Object)
	}
	claim := func(rv string, edit func(*corev1.PersistentVolumeClaim)) client.Object {
		c := &corev1.PersistentVolumeClaim{ObjectMeta: meta(rv), Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}}
		// The operator's apply owns the labels, not the binder's annotations.
		c.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: ownership.FieldOwner, Operation: metav1.ManagedFieldsOperationApply,
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:` + ownership.WorkspaceLabel + `":{}}}}`)}}}
		edit(c)
		return must(trimForCache(c)).(client.Object)
	}
	service := func(rv string, edit func(*corev1.Service)) client.Object {
		s := &corev1.Service{ObjectMeta: meta(rv), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.0.0.7",
			Ports: []corev1.ServicePort{{Name: "media", Protocol: corev1.ProtocolUDP, Port: 10000, NodePort: 31000}}}}
		edit(s)
		return must(trimForCache(s)).(client.Object)
	}
	unchanged := func(*appsv1.Deployment) {}
	now := metav1.Now()
	for _, tc := range []struct {
		name     string
		old, new client.Object
		want     bool
	}{
		{"a quota's usage", quota("1", "12"), quota("2", "13"), false},
		{"a Deployment's conditions", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.Status.Conditions[0].Reason = "NewReplicaSetAvailable"
		}), false},
		{"a disruption budget's counts", budget("1", 1), budget("2", 0), false},
		{"an Ingress's address", ingress("1", "192.0.2.1"), ingress("2", "192.0.2.2"), false},
		{"a claim's binding to its volume", claim("1", func(*corev1.PersistentVolumeClaim) {}), claim("2", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.VolumeName = "pvc-1"
			c.Annotations = map[string]string{"pv.kubernetes.io/bind-completed": "yes"}
		}), false},
		{"a periodic resync", quota("1", "12"), quota("1", "12"), true},
		{"a claim that became bound", claim("1", func(*corev1.PersistentVolumeClaim) {}), claim("2", func(c *corev1.PersistentVolumeClaim) {
			c.Status.Phase = corev1.ClaimBound
		}), true},
		{"a load balancer's address", service("1", func(*corev1.Service) {}), service("2", func(s *corev1.Service) {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.7"}}
		}), true},
		{"a Service's selector changed by someone else (drift)", service("1", func(*corev1.Service) {}), service("2", func(s *corev1.Service) {
			s.Spec.Selector = map[string]string{"app": "elsewhere"}
		}), true},
		{"replicas that became unavailable", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.Status.AvailableReplicas = 0
		}), true},
		{"a generation not yet observed", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.Generation = 4
		}), true},
		{"content changed by someone else (drift)", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = "nextcloud:30"
		}), true},
		{"a label the operator reads", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.Labels[ownership.DataLabel] = "true"
		}), true},
		{"deletion under way", deployment("1", unchanged), deployment("2", func(d *appsv1.Deployment) {
			d.DeletionTimestamp = &now
		}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cachedContentChanged().Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("an update of %s wakes the workspace: %v, want %v", tc.name, got, tc.want)
			}
		})
	}
	old := deployment("1", unchanged)
	before := old.GetResourceVersion()
	cachedContentChanged().Update(event.UpdateEvent{ObjectOld: old, ObjectNew: deployment("2", unchanged)})
	if old.GetResourceVersion() != before {
		t.Error("the predicate changed the cache's own object")
	}
	if !cachedContentChanged().Create(event.CreateEvent{Object: old}) || !cachedContentChanged().Delete(event.DeleteEvent{Object: old}) {
		t.Error("creations and deletions must pass")
	}
}
