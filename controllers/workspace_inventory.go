package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/web"
)

// managedKind is a namespaced kind the operator creates in workspace namespaces. Every object
// of these kinds that carries a workspace's inventory labels belongs to that workspace: it is
// watched, mapped back to the workspace and pruned when no longer desired.
type managedKind struct {
	object func() client.Object
	list   func() client.ObjectList
}

// managedKinds lists them in prune order: workloads before what they use.
var managedKinds = []managedKind{
	{func() client.Object { return &appsv1.Deployment{} }, func() client.ObjectList { return &appsv1.DeploymentList{} }},
	{func() client.Object { return &appsv1.StatefulSet{} }, func() client.ObjectList { return &appsv1.StatefulSetList{} }},
	{func() client.Object { return &batchv1.CronJob{} }, func() client.ObjectList { return &batchv1.CronJobList{} }},
	{func() client.Object { return &batchv1.Job{} }, func() client.ObjectList { return &batchv1.JobList{} }},
	{func() client.Object { return &policyv1.PodDisruptionBudget{} }, func() client.ObjectList { return &policyv1.PodDisruptionBudgetList{} }},
	{func() client.Object { return &networkingv1.Ingress{} }, func() client.ObjectList { return &networkingv1.IngressList{} }},
	{func() client.Object { return &corev1.Service{} }, func() client.ObjectList { return &corev1.ServiceList{} }},
	{func() client.Object { return &corev1.ConfigMap{} }, func() client.ObjectList { return &corev1.ConfigMapList{} }},
	{func() client.Object { return &corev1.Secret{} }, func() client.ObjectList { return &corev1.SecretList{} }},
	{func() client.Object { return &corev1.PersistentVolumeClaim{} }, func() client.ObjectList { return &corev1.PersistentVolumeClaimList{} }},
	{func() client.Object { return &corev1.ServiceAccount{} }, func() client.ObjectList { return &corev1.ServiceAccountList{} }},
	{func() client.Object { return &rbacv1.RoleBinding{} }, func() client.ObjectList { return &rbacv1.RoleBindingList{} }},
	{func() client.Object { return &rbacv1.Role{} }, func() client.ObjectList { return &rbacv1.RoleList{} }},
	{func() client.Object { return &networkingv1.NetworkPolicy{} }, func() client.ObjectList { return &networkingv1.NetworkPolicyList{} }},
	{func() client.Object { return &corev1.LimitRange{} }, func() client.ObjectList { return &corev1.LimitRangeList{} }},
	{func() client.Object { return &corev1.ResourceQuota{} }, func() client.ObjectList { return &corev1.ResourceQuotaList{} }},
}

// foreignKinds are kinds of other projects the operator creates when the platform asks for
// them (Gateway API routes, CloudNativePG databases). Their CRDs may be missing, so they are
// not watched; they are found for pruning and deletion when the cluster has them.
var foreignKinds = []schema.GroupVersionKind{
	web.HTTPRouteKind,
	postgres.ClusterKind,
	postgres.DatabaseKind,
	mail.CertificateKind,
}

// InventoryKinds are the kinds of every object the operator may create in a workspace's
// namespace, in prune order (workloads before what they use; reversed, the order to create
// them in). The benchmark's baseline copies a workspace's objects by them.
func InventoryKinds() ([]schema.GroupVersionKind, error) {
	s := Scheme()
	out := make([]schema.GroupVersionKind, 0, len(managedKinds)+len(foreignKinds))
	for _, k := range managedKinds {
		gvk, err := apiutil.GVKForObject(k.object(), s)
		if err != nil {
			return nil, err
		}
		out = append(out, gvk)
	}
	return append(out, foreignKinds...), nil
}
