package kit

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// The Kubernetes kinds components render, for their stack.KindOwner lists.
var (
	DeploymentKind            = appsv1.SchemeGroupVersion.WithKind("Deployment")
	StatefulSetKind           = appsv1.SchemeGroupVersion.WithKind("StatefulSet")
	JobKind                   = batchv1.SchemeGroupVersion.WithKind("Job")
	CronJobKind               = batchv1.SchemeGroupVersion.WithKind("CronJob")
	ServiceKind               = corev1.SchemeGroupVersion.WithKind("Service")
	ConfigMapKind             = corev1.SchemeGroupVersion.WithKind("ConfigMap")
	SecretKind                = corev1.SchemeGroupVersion.WithKind("Secret")
	PersistentVolumeClaimKind = corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim")
	ResourceQuotaKind         = corev1.SchemeGroupVersion.WithKind("ResourceQuota")
	LimitRangeKind            = corev1.SchemeGroupVersion.WithKind("LimitRange")
	NetworkPolicyKind         = networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy")
	ServiceAccountKind        = corev1.SchemeGroupVersion.WithKind("ServiceAccount")
	RoleKind                  = rbacv1.SchemeGroupVersion.WithKind("Role")
	RoleBindingKind           = rbacv1.SchemeGroupVersion.WithKind("RoleBinding")
)
