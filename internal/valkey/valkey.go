// Package valkey renders the workspace's Redis-compatible cache (Valkey), which Nextcloud uses
// for file locking and sessions. It holds nothing that cannot be rebuilt, so it keeps its data
// in memory only.
package valkey

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

const (
	ComponentName    = "cache"
	ReleaseComponent = "valkey"
	// Name is the Deployment's and Service's name.
	Name = "rathaus-valkey"
	// PasswordSecret holds the key "password".
	PasswordSecret = "rathaus-valkey"
	Port           = 6379
	// uid and gid of the valkey user in the Debian-based image (valkey-io/valkey-container
	// 9.0/debian/Dockerfile).
	uid = 999
)

// ClientLabel marks pods that may connect to the cache.
const ClientLabel = "rathaus.io/cache-client"

// Component is the cache.
type Component struct{}

var _ stack.Conditioned = Component{}
var _ stack.SecretOwner = Component{}

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "CacheReady" }

// enabled: Nextcloud is the cache's only user.
func enabled(in stack.Inputs) bool { return in.Workspace.Spec.Services.Files.Enabled }

// Secrets implements stack.SecretOwner.
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !enabled(in) {
		return nil
	}
	return []secrets.Spec{{Name: PasswordSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"host": Name, "port": "6379"}}}
}

var figures = map[rathausv1alpha1.SizeTier]kit.Figures{
	rathausv1alpha1.SizeS:  {Requests: [2]string{"50m", "64Mi"}, Limits: [2]string{"500m", "256Mi"}},
	rathausv1alpha1.SizeM:  {Requests: [2]string{"100m", "128Mi"}, Limits: [2]string{"1", "512Mi"}},
	rathausv1alpha1.SizeL:  {Requests: [2]string{"250m", "512Mi"}, Limits: [2]string{"2", "1Gi"}},
	rathausv1alpha1.SizeXL: {Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}},
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !enabled(in) {
		return nil, nil
	}
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	labels := kit.PodLabels(in, ReleaseComponent)
	// valkey-cli reads the password from REDISCLI_AUTH on every version (valkey src/valkey-cli.c
	// CLI_AUTH_ENV); VALKEYCLI_AUTH exists only from 9.0.
	ping := &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"valkey-cli", "ping"}}},
		PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3,
	}
	deployment := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(uid),
					AutomountServiceAccountToken: ptr.To(false),
					Containers: []corev1.Container{{
						Name:  "valkey",
						Image: image,
						// The image reads no password variable (valkey-io/valkey-container
						// docker-entrypoint.sh); Kubernetes expands $(VALKEY_PASSWORD) from the
						// environment, so the value never appears in the pod spec. No snapshots and
						// no append-only file: locks and sessions are rebuilt after a restart.
						Args: []string{"valkey-server", "--requirepass", "$(VALKEY_PASSWORD)", "--save", "", "--appendonly", "no"},
						Env: []corev1.EnvVar{
							kit.SecretEnv("VALKEY_PASSWORD", PasswordSecret, "password"),
							kit.SecretEnv("REDISCLI_AUTH", PasswordSecret, "password"),
						},
						Ports:           []corev1.ContainerPort{{Name: "valkey", ContainerPort: Port, Protocol: corev1.ProtocolTCP}},
						Resources:       f.Requirements(),
						SecurityContext: kit.ContainerSecurity(true),
						ReadinessProbe:  ping,
						LivenessProbe:   ping,
						// The entrypoint exits when run as non-root and /data is not writable.
						VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
					}},
					Volumes: []corev1.Volume{kit.EmptyDir("data")},
				},
			},
		},
	}
	service := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "valkey", Port: Port, TargetPort: intstr.FromString("valkey"), Protocol: corev1.ProtocolTCP}},
		},
	}
	clients := map[string]string{ClientLabel: "true", ownership.WorkspaceLabel: in.Workspace.Name}
	return append([]client.Object{deployment, service}, netpol.Path(in, ComponentName, Name, clients, labels, netpol.TCP(Port))...), nil
}
