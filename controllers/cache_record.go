package controllers

import (
	"maps"
	"slices"
	"unique"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

// cachedRecord is what the cache holds of an object of a trimmed kind (trimmable): its
// metadata, slimmed, with its fingerprint and hash (recordMeta), and the few fields of its
// spec and status the operator reads (kept). The typed struct of a workload is over a kilobyte
// even when empty (a pod template's PodSpec is a value, not a pointer), and each annotation
// map a few hundred bytes more; at a thousand workspaces the sixty thousand objects of these
// kinds were most of the cache.
//
// No reader sees a record. The cache copies what it returns (DeepCopyObject), and the copy
// of a record is the typed object again, as the operator reads it (typed): the metadata, the
// fingerprint and hash as annotations, what kept holds, nothing else. Only readers that take
// the cache's own objects without a copy (client.UnsafeDisableDeepCopy) would get the record,
// and controller-runtime refuses to put it into a typed list; owned copies these kinds.
// Event handlers get records: they read labels and names, and cachedContentChanged compares
// the typed copies.
type cachedRecord struct {
	recordMeta
	kept keptContent
}

// keptContent is what a record keeps of its kind's spec and status.
type keptContent interface {
	// typed returns a new object of the kind with meta and the kept fields, sharing nothing
	// with the record.
	typed(meta metav1.ObjectMeta) client.Object
}

var _ client.Object = &cachedRecord{}

// GetObjectKind: a record carries no type; its typed copy gets the cache's.
func (r *cachedRecord) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject returns the typed object the record stands for.
func (r *cachedRecord) DeepCopyObject() runtime.Object { return r.typed() }

// typed is the object the record stands for, sharing nothing with it.
func (r *cachedRecord) typed() client.Object { return r.kept.typed(r.objectMeta()) }

// typedView returns a copy of obj as the cache's readers get it: the typed object for a
// record, a deep copy for any other.
func typedView(obj client.Object) client.Object {
	if r, ok := obj.(*cachedRecord); ok {
		return r.typed()
	}
	return obj.DeepCopyObject().(client.Object)
}

// newRecord makes the record of o, an object of a trimmed kind (every one of them a typed
// Kubernetes kind with an ObjectMeta), from its fingerprint and what it keeps of it (keptOf).
func newRecord(o client.Object, fingerprint string, kept keptContent) *cachedRecord {
	meta := o.(metav1.ObjectMetaAccessor).GetObjectMeta().(*metav1.ObjectMeta)
	return &cachedRecord{kept: kept,
		recordMeta: newRecordMeta(meta, ownership.ControlledByAnother(o), recordedLabels(o), meta.Annotations[ownership.HashAnnotation], fingerprint)}
}

// keptOf is what the operator reads of o's spec and status: of workloads the replicas, the pod
// template's annotations (Stalwart's applied plan) and the status health judges by, without the
// conditions and revisions their controllers rewrite while nothing health reads changes; a
// CronJob's schedule, suspension and status (backups); a Job's status (restores, health); a
// Service's type, ports and load balancer addresses (the media bridge's node port and address,
// mail's public addresses); a claim's access modes, class, requested size and phase (volume
// layouts, sizes that never shrink, health); a Secret's type and data (generated credentials,
// completed but never regenerated). Of the other trimmed kinds nothing but the metadata: a
// ConfigMap's data, rules, subjects, policies, a quota's usage, a disruption budget's counts
// and an Ingress's addresses are read by no one, and a change of only these is no change of
// the record: it wakes no reconcile (cachedContentChanged) and leaves the durable digest
// (desired.DurableInputsDigest) as the workspace recorded it.
func keptOf(o client.Object) (keptContent, bool) {
	switch t := o.(type) {
	case *appsv1.Deployment:
		status := t.Status
		status.Conditions, status.CollisionCount = nil, nil
		return &keptDeployment{replicas: t.Spec.Replicas, templateAnnotations: t.Spec.Template.Annotations, status: status}, true
	case *appsv1.StatefulSet:
		status := t.Status
		status.Conditions, status.CollisionCount = nil, nil
		status.CurrentRevision, status.UpdateRevision = "", ""
		return &keptStatefulSet{replicas: t.Spec.Replicas, templateAnnotations: t.Spec.Template.Annotations, status: status}, true
	case *batchv1.CronJob:
		return &keptCronJob{schedule: t.Spec.Schedule, suspend: t.Spec.Suspend, status: t.Status}, true
	case *batchv1.Job:
		return &keptJob{status: t.Status}, true
	case *corev1.Service:
		return newKeptService(t), true
	case *corev1.PersistentVolumeClaim:
		return newKeptClaim(t), true
	case *corev1.Secret:
		return newKeptSecret(t), true
	case *corev1.ConfigMap:
		return metaOnly[corev1.ConfigMap]{}, true
	case *networkingv1.NetworkPolicy:
		return metaOnly[networkingv1.NetworkPolicy]{}, true
	case *networkingv1.Ingress:
		return metaOnly[networkingv1.Ingress]{}, true
	case *policyv1.PodDisruptionBudget:
		return metaOnly[policyv1.PodDisruptionBudget]{}, true
	case *rbacv1.Role:
		return metaOnly[rbacv1.Role]{}, true
	case *rbacv1.RoleBinding:
		return metaOnly[rbacv1.RoleBinding]{}, true
	case *corev1.ResourceQuota:
		return metaOnly[corev1.ResourceQuota]{}, true
	case *corev1.LimitRange:
		return metaOnly[corev1.LimitRange]{}, true
	}
	return nil, false
}

// keptLabels are the labels the operator reads of its trimmed objects: the cache's and the
// inventory's selectors, and whether an object holds data (prune).
var keptLabels = []string{ownership.ManagedByLabel, ownership.WorkspaceLabel, ownership.ComponentLabel, ownership.DataLabel}

// recordedLabels are the labels a record of o keeps: all of them (nil) for Services, claims
// and Secrets, whose labels renderers and the credentials' checks read (a data volume records
// which primary storage Files was installed with), keptLabels for the other kinds.
func recordedLabels(o client.Object) []string {
	switch o.(type) {
	case *corev1.Service, *corev1.PersistentVolumeClaim, *corev1.Secret:
		return nil
	}
	return keptLabels
}

// keptDeployment and keptStatefulSet keep of the pod template only its annotations
// (Stalwart's applied plan); its labels, different for each workload, are read by no one.
type keptDeployment struct {
	replicas            *int32
	templateAnnotations map[string]string
	status              appsv1.DeploymentStatus
}

func (k *keptDeployment) typed(meta metav1.ObjectMeta) client.Object {
	return &appsv1.Deployment{ObjectMeta: meta,
		Spec:   appsv1.DeploymentSpec{Replicas: copyOf(k.replicas), Template: podTemplate(k.templateAnnotations)},
		Status: *k.status.DeepCopy()}
}

type keptStatefulSet struct {
	replicas            *int32
	templateAnnotations map[string]string
	status              appsv1.StatefulSetStatus
}

func (k *keptStatefulSet) typed(meta metav1.ObjectMeta) client.Object {
	return &appsv1.StatefulSet{ObjectMeta: meta,
		Spec:   appsv1.StatefulSetSpec{Replicas: copyOf(k.replicas), Template: podTemplate(k.templateAnnotations)},
		Status: *k.status.DeepCopy()}
}

func podTemplate(annotations map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: maps.Clone(annotations)}}
}

type keptCronJob struct {
	schedule string
	suspend  *bool
	status   batchv1.CronJobStatus
}

func (k *keptCronJob) typed(meta metav1.ObjectMeta) client.Object {
	return &batchv1.CronJob{ObjectMeta: meta, Spec: batchv1.CronJobSpec{Schedule: k.schedule, Suspend: copyOf(k.suspend)}, Status: *k.status.DeepCopy()}
}

type keptJob struct{ status batchv1.JobStatus }

func (k *keptJob) typed(meta metav1.ObjectMeta) client.Object {
	return &batchv1.Job{ObjectMeta: meta, Status: *k.status.DeepCopy()}
}

// metaOnly keeps nothing but the metadata of a T; being empty, it costs a record nothing.
type metaOnly[T any] struct{}

func (metaOnly[T]) typed(meta metav1.ObjectMeta) client.Object {
	var obj T
	o := any(&obj).(client.Object)
	*o.(metav1.ObjectMetaAccessor).GetObjectMeta().(*metav1.ObjectMeta) = meta
	return o
}

func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// keptService keeps what renderers read of a Service: its ports as far as they name them
// (the media bridge advertises the node port it got) and its load balancer's addresses. A
// Service's spec is mostly what the API server defaulted and allocated (cluster addresses,
// IP families, policies), a few hundred bytes each, fingerprinted before they are dropped.
type keptService struct {
	serviceType corev1.ServiceType
	ports       []keptPort
	ingress     []corev1.LoadBalancerIngress
}

type keptPort struct {
	name           string
	protocol       corev1.Protocol
	port, nodePort int32
}

func newKeptService(s *corev1.Service) *keptService {
	k := &keptService{serviceType: corev1.ServiceType(unique.Make(string(s.Spec.Type)).Value()), ingress: s.Status.LoadBalancer.Ingress}
	for _, p := range s.Spec.Ports {
		protocol := corev1.Protocol(unique.Make(string(p.Protocol)).Value())
		k.ports = append(k.ports, keptPort{name: unique.Make(p.Name).Value(), protocol: protocol, port: p.Port, nodePort: p.NodePort})
	}
	return k
}

func (k *keptService) typed(meta metav1.ObjectMeta) client.Object {
	s := &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Type: k.serviceType}}
	for _, p := range k.ports {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: p.name, Protocol: p.protocol, Port: p.port, NodePort: p.nodePort})
	}
	for _, ing := range k.ingress {
		s.Status.LoadBalancer.Ingress = append(s.Status.LoadBalancer.Ingress, *ing.DeepCopy())
	}
	return s
}

// keptClaim keeps what the operator reads of a claim: the access modes and class a volume
// was made with (layouts that never change, nextcloud.volumeLayout), the size it asks for
// (never shrunk, desired.keepVolumeSize) and whether it is bound (health).
type keptClaim struct {
	accessModes []corev1.PersistentVolumeAccessMode
	class       *string
	storage     *resource.Quantity
	phase       corev1.PersistentVolumeClaimPhase
}

func newKeptClaim(c *corev1.PersistentVolumeClaim) *keptClaim {
	k := &keptClaim{class: c.Spec.StorageClassName, phase: corev1.PersistentVolumeClaimPhase(unique.Make(string(c.Status.Phase)).Value())}
	for _, m := range c.Spec.AccessModes {
		k.accessModes = append(k.accessModes, corev1.PersistentVolumeAccessMode(unique.Make(string(m)).Value()))
	}
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		k.storage = &q
	}
	return k
}

func (k *keptClaim) typed(meta metav1.ObjectMeta) client.Object {
	c := &corev1.PersistentVolumeClaim{ObjectMeta: meta,
		Spec:   corev1.PersistentVolumeClaimSpec{AccessModes: slices.Clone(k.accessModes), StorageClassName: copyOf(k.class)},
		Status: corev1.PersistentVolumeClaimStatus{Phase: k.phase}}
	if k.storage != nil {
		c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: k.storage.DeepCopy()}
	}
	return c
}

// keptSecret keeps a Secret's type and data: its keys, interned (every workspace's Secrets
// have the same few), with their values, in key order. A Secret's data as a map was several
// hundred bytes more than its values, for twenty Secrets per workspace.
type keptSecret struct {
	secretType corev1.SecretType
	immutable  *bool
	data       []secretEntry
}

type secretEntry struct {
	key   string
	value []byte
}

func newKeptSecret(s *corev1.Secret) *keptSecret {
	k := &keptSecret{secretType: corev1.SecretType(unique.Make(string(s.Type)).Value()), immutable: s.Immutable}
	for _, key := range slices.Sorted(maps.Keys(s.Data)) {
		k.data = append(k.data, secretEntry{key: unique.Make(key).Value(), value: s.Data[key]})
	}
	return k
}

func (k *keptSecret) typed(meta metav1.ObjectMeta) client.Object {
	s := &corev1.Secret{ObjectMeta: meta, Type: k.secretType, Immutable: copyOf(k.immutable)}
	if k.data != nil {
		s.Data = make(map[string][]byte, len(k.data))
		for _, e := range k.data {
			s.Data[e.key] = slices.Clone(e.value)
		}
	}
	return s
}
