package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
)

// backupPods are the pods of the workspace's backup Jobs, from the cache, which holds no other
// pods and only their status (NewManager): each run's summary, for status.backups.
func (r *WorkspaceReconciler) backupPods(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.BackupPolicy) ([]corev1.Pod, error) {
	if !backup.ToObjectStore(p) {
		return nil, nil
	}
	var pods corev1.PodList
	if err := r.Client.List(ctx, &pods, client.InNamespace(ws.Namespace), client.MatchingLabelsSelector{Selector: backup.WorkspacePods(ws.Name)}); err != nil {
		return nil, err
	}
	return pods.Items, nil
}

// stripBackupPod keeps of a backup pod what status.backups reads: its labels, phase and
// containers' final states. The pod's spec, the bulk of it, is never read.
func stripBackupPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	kept := &corev1.Pod{TypeMeta: pod.TypeMeta}
	kept.Name, kept.Namespace, kept.UID, kept.ResourceVersion, kept.Labels = pod.Name, pod.Namespace, pod.UID, pod.ResourceVersion, pod.Labels
	kept.Status.Phase = pod.Status.Phase
	for _, c := range pod.Status.ContainerStatuses {
		kept.Status.ContainerStatuses = append(kept.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, State: corev1.ContainerState{Terminated: c.State.Terminated}})
	}
	return kept, nil
}
