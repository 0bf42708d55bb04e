// Package kit is the builder toolkit of the stack's renderers: object metadata and inventory
// labels, pod and container security, resources, volumes, configuration Jobs, the kinds
// components declare, and copies of platform Secrets. The contract itself is package stack.
package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// AppLabel names the application a pod runs (postgresql, nextcloud, ...).
const AppLabel = "app.kubernetes.io/name"

// PodLabels are the labels of a component's pods: stable, since they feed selectors, which
// are immutable on Deployments and StatefulSets.
func PodLabels(in stack.Inputs, app string) map[string]string {
	return map[string]string{
		AppLabel:                 app,
		ownership.PartOfLabel:    "rathaus",
		ownership.WorkspaceLabel: in.Workspace.Name,
	}
}

// PodSecurity is the pod-level security context of the restricted Pod Security profile for a
// fixed user and group; fsGroup makes mounted volumes writable for them. The kubelet changes
// ownership only when the volume's root does not match already: by default it walks every
// file at every start, which on a municipality's terabytes of files delays each start by
// hours (and re-opens PGDATA's permissions, which PostgreSQL refuses).
func PodSecurity(uid int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        ptr.To(true),
		RunAsUser:           ptr.To(uid),
		RunAsGroup:          ptr.To(uid),
		FSGroup:             ptr.To(uid),
		FSGroupChangePolicy: ptr.To(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// PodSecurityBinding is PodSecurity for a pod whose non-root processes bind ports from lowest
// up, below 1024 included: the pod lowers net.ipv4.ip_unprivileged_port_start to it, a safe
// sysctl the restricted Pod Security profile allows. Adding NET_BIND_SERVICE would not do:
// capabilities do not survive a non-root shell or the no_new_privs of
// allowPrivilegeEscalation: false, and the binary's file capability is ignored under it.
func PodSecurityBinding(uid int64, lowest int32) *corev1.PodSecurityContext {
	sc := PodSecurity(uid)
	if lowest < 1024 {
		sc.Sysctls = []corev1.Sysctl{{Name: contract.UnprivilegedPortSysctl, Value: fmt.Sprint(lowest)}}
	}
	return sc
}

// ContainerSecurity is the container-level security context of the restricted profile. A
// read-write root filesystem is an exception the caller must justify next to the call.
func ContainerSecurity(readOnlyRoot bool) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(readOnlyRoot),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// Figures are a container's CPU and memory requests and limits, written as size-tier tables
// read: Figures{Requests: {"250m", "512Mi"}, Limits: {"1", "1Gi"}}.
type Figures struct {
	Requests, Limits [2]string // cpu, memory
}

// Requirements are the figures as Kubernetes resource requirements.
func (f Figures) Requirements() corev1.ResourceRequirements {
	return Resources(f.Requests[0], f.Requests[1], f.Limits[0], f.Limits[1])
}

// Resources are requests and limits of one container.
func Resources(cpuRequest, memoryRequest, cpuLimit, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuRequest), corev1.ResourceMemory: resource.MustParse(memoryRequest)},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLimit), corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// EmptyDir is a scratch volume, e.g. for /tmp under a read-only root filesystem.
func EmptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// SmallEmptyDir is a scratch volume of at most limit (e.g. "16Mi"): the kubelet evicts the pod
// rather than let it fill the node's disk, for example with a JVM's heap dump.
func SmallEmptyDir(name, limit string) corev1.Volume {
	v := EmptyDir(name)
	v.EmptyDir.SizeLimit = ptr.To(resource.MustParse(limit))
	return v
}

// SecretEnv is an environment variable read from a key of a Secret.
func SecretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
	}}}
}

// ShortHash is a short, stable digest of parts, for names of objects that must be replaced
// when their content changes (a setup Job is immutable once created).
func ShortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}
