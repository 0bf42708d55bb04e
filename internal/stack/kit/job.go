package kit

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/rathaus-io/rathaus/internal/stack"
)

// ConfigJob is a run-to-completion Job that applies configuration read from a ConfigMap (a
// database's roles, an identity provider's realm). A Job's template is immutable, so its name
// ends in a hash of everything it does: a changed configuration is a new Job, and the old one
// is pruned.
type ConfigJob struct {
	Component string
	// NamePrefix is followed by a hash of Image, Content, Command and Env.
	NamePrefix string
	Image      string
	// Content is what the Job applies, for the hash (the ConfigMap's data).
	Content []string
	// UID the image's process runs as.
	UID int64
	// PodLabels, for network paths to what the Job configures.
	PodLabels map[string]string
	Command   []string
	Env       []corev1.EnvVar
	// ConfigMap is mounted read-only at MountPath; /tmp is a scratch volume.
	ConfigMap, MountPath string
	Resources            corev1.ResourceRequirements
	// DeadlineSeconds bounds the Job, retries included.
	DeadlineSeconds int64
}

// hashed is what names the Job: a Job's pod template cannot change once created, so any
// change of what it runs, with or how, must make a new Job.
func (j ConfigJob) hashed() []string {
	parts := append([]string{j.Image}, j.Content...)
	parts = append(parts, j.Command...)
	for _, e := range j.Env {
		parts = append(parts, e.String())
	}
	return parts
}

// Job renders the Job.
func (j ConfigJob) Job(in stack.Inputs) *batchv1.Job {
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: Meta(in, j.Component, j.NamePrefix+ShortHash(j.hashed()...)),
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](6),
			ActiveDeadlineSeconds: ptr.To(j.DeadlineSeconds),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: j.PodLabels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					SecurityContext:              PodSecurity(j.UID),
					AutomountServiceAccountToken: ptr.To(false),
					Containers: []corev1.Container{{
						Name:            "config",
						Image:           j.Image,
						Command:         j.Command,
						Env:             j.Env,
						Resources:       j.Resources,
						SecurityContext: ContainerSecurity(true),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config", MountPath: j.MountPath, ReadOnly: true},
							{Name: "tmp", MountPath: "/tmp"},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: j.ConfigMap}}}},
						EmptyDir("tmp"),
					},
				},
			},
		},
	}
}
