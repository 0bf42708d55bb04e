package backup

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

const (
	// credentialsAccessName names the ServiceAccount, Role and RoleBinding of the Job that
	// restores the credentials, and its way to the API server; they exist only while it runs.
	credentialsAccessName = "rathaus-restore-credentials"
	// restoreRoleLabel marks the pod of that Job, which alone may reach the API server.
	restoreRoleLabel = "rathaus.io/restore"
	credentialsRole  = "credentials"
	// restoreCredentialsCommand is the operator's subcommand that writes restored values into
	// Secrets (cmd/restore_credentials.go).
	restoreCredentialsCommand = "restore-credentials"
)

// credentialsContainer runs the operator's own image, which reads what restic restored into
// /data and gives the workspace's generated Secrets those values. It writes nothing to disk
// and talks only to the API server, as the Role below allows.
func credentialsContainer(in stack.Inputs) (corev1.Container, error) {
	image, err := in.Image(stack.OperatorComponent)
	if err != nil {
		return corev1.Container{}, err
	}
	return corev1.Container{
		Name:            "apply",
		Image:           image,
		Args:            []string{restoreCredentialsCommand, "--from=" + dataDir, "--secrets=" + strings.Join(credentialNames(in), ",")},
		Resources:       kit.Resources("10m", "32Mi", "200m", "128Mi"),
		SecurityContext: kit.ContainerSecurity(true),
		VolumeMounts:    []corev1.VolumeMount{{Name: "data", MountPath: dataDir, ReadOnly: true}},
	}, nil
}

// credentialsAccess lets the credentials' restore Job read and update exactly the
// workspace's generated Secrets, and nothing else: no create, no list, no other Secret
// (those of the platform's copies included). The operator creates the Secrets before it
// renders the Job, and may grant this because it holds the same access itself.
func credentialsAccess(in stack.Inputs) []client.Object {
	meta := kit.Meta(in, ComponentName, credentialsAccessName)
	sa := &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   meta,
		AutomountServiceAccountToken: ptr.To(false), // only the Job's pod mounts its token
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta,
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "update"},
			ResourceNames: credentialNames(in),
		}},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta,
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: credentialsAccessName, Namespace: in.Workspace.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: credentialsAccessName},
	}
	api := netpol.ToKubeAPI(in, ComponentName, credentialsAccessName+"-kube-api", map[string]string{kit.AppLabel: ComponentName, restoreRoleLabel: credentialsRole})
	return []client.Object{sa, role, binding, api}
}

// credentialNames are the workspace's generated Secrets, in the order Derive lists them.
func credentialNames(in stack.Inputs) []string {
	names := make([]string, 0, len(in.Credentials))
	for _, spec := range in.Credentials {
		names = append(names, spec.Name)
	}
	return names
}
