// Package keycloak renders the workspace's single sign-on: one realm that holds an OpenID
// Connect client per enabled service and the application admins, in the provider's Keycloak
// when the platform names one (managed), otherwise in a Keycloak the operator runs for the
// workspace on its PostgreSQL at id.<domain> (bundled). keycloak-config-cli applies the realm
// in a Job that runs again whenever the realm document changes.
//
// Upstream contract: keycloak.org/server/containers, /server/hostname, /server/reverseproxy
// and /server/health (docs/guides/server in keycloak/keycloak); adorsys/keycloak-config-cli
// README and docs/MANAGED.md.
package keycloak

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	ComponentName = "identity"
	// Release components: Keycloak, and the keycloak-config-cli build for its version.
	ReleaseComponent       = "keycloak"
	ConfigReleaseComponent = "keycloak-config-cli"
	Name                   = "rathaus-keycloak"
	adminSecret            = "rathaus-keycloak-admin"
	// platformAdminSecret is the copy of the platform Keycloak's admin credentials.
	platformAdminSecret = "rathaus-keycloak-platform-admin"
	realmConfigMap      = "rathaus-keycloak-realm"
	database            = "keycloak"
	httpPort            = 8080
	// managementPort serves /health and /metrics, never proxied outside (server/reverseproxy).
	managementPort = 9000
	// uid of the keycloak user in the image (USER 1000 in its Containerfile).
	uid = 1000
	// uid of keycloak-config-cli's image (USER 65534 in its Dockerfile).
	configUID = 65534
)

// clientLabel marks pods that may call Keycloak's HTTP port inside the namespace.
const clientLabel = "rathaus.io/identity-client"

// Component is the bundled identity provider.
type Component struct{ web.Routed }

var (
	_ stack.Conditioned  = Component{}
	_ stack.SecretOwner  = Component{}
	_ stack.DatabaseUser = Component{}
)

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "IdentityReady" }

// enabled: the provider's single sign-on, and some enabled service logs users in.
func enabled(in stack.Inputs) bool {
	return in.Workspace.Spec.Identity.Mode != rathausv1alpha1.IdentityExternal && len(in.OIDCClients) > 0
}

// managed reports whether the realm lives in the provider's Keycloak.
func managed(in stack.Inputs) *rathausv1alpha1.KeycloakRef { return in.Platform.Spec.Identity.Keycloak }

// adminLoginKeys are the one-time passwords of the admins the realm creates, one per distinct
// key, in spec order. A key, once generated, is never regenerated: it only ever serves the
// admin's first login, after which Keycloak asks for a password of the admin's own.
func adminLoginKeys(in stack.Inputs) []secrets.Key {
	var keys []secrets.Key
	for _, email := range in.Workspace.Spec.Admins {
		k := secrets.Key{Name: kit.AdminLoginKey(email), Length: 24}
		if !slices.ContainsFunc(keys, func(o secrets.Key) bool { return o.Name == k.Name }) {
			keys = append(keys, k)
		}
	}
	return keys
}

// ConsoleURL is the admin console of the workspace's realm.
func ConsoleURL(in stack.Inputs) string {
	base := "https://" + in.Workspace.IdentityHost()
	if kc := managed(in); kc != nil {
		base = strings.TrimSuffix(kc.URL, "/")
	}
	return base + "/admin/" + RealmName(in) + "/console/"
}

// Status is where the municipality's admins sign in the first time, while the operator runs
// the realm; nil otherwise.
func Status(in stack.Inputs) *rathausv1alpha1.IdentityStatus {
	if in.Workspace == nil || in.Platform == nil || !enabled(in) || len(in.Workspace.Spec.Admins) == 0 {
		return nil
	}
	return &rathausv1alpha1.IdentityStatus{ConsoleURL: ConsoleURL(in), InitialPasswordsSecret: stack.AdminLoginSecret}
}

// IssuerURL is the workspace realm's issuer.
func IssuerURL(in stack.Inputs) string {
	if kc := managed(in); kc != nil {
		return strings.TrimSuffix(kc.URL, "/") + "/realms/" + RealmName(in)
	}
	return "https://" + in.Workspace.IdentityHost() + "/realms/" + RealmName(in)
}

// Databases implements stack.DatabaseUser: a bundled Keycloak keeps its data in the
// workspace's PostgreSQL.
func (Component) Databases(in stack.Inputs) []string {
	if !enabled(in) || managed(in) != nil {
		return nil
	}
	return []string{database}
}

// Secrets implements stack.SecretOwner: the bootstrap admin of the master realm and each
// service's client credentials.
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !enabled(in) {
		return nil
	}
	var specs []secrets.Spec
	if managed(in) == nil {
		specs = append(specs, secrets.Spec{Name: adminSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": "admin"}})
	}
	if keys := adminLoginKeys(in); len(keys) > 0 {
		specs = append(specs, secrets.Spec{Name: stack.AdminLoginSecret, Keys: keys})
	}
	for _, c := range in.OIDCClients {
		specs = append(specs, secrets.Spec{
			Name:   stack.OIDCClientSecret(c.Service),
			Keys:   []secrets.Key{{Name: "client-secret", Length: 48}},
			Static: map[string]string{"client-id": c.Service},
		})
	}
	return specs
}

var figures = map[rathausv1alpha1.SizeTier]kit.Figures{
	// Keycloak's container guide asks for at least 750 MB and recommends 2 GB.
	rathausv1alpha1.SizeS:  {Requests: [2]string{"250m", "1Gi"}, Limits: [2]string{"1", "1536Mi"}},
	rathausv1alpha1.SizeM:  {Requests: [2]string{"500m", "1536Mi"}, Limits: [2]string{"2", "2Gi"}},
	rathausv1alpha1.SizeL:  {Requests: [2]string{"1", "2Gi"}, Limits: [2]string{"2", "3Gi"}},
	rathausv1alpha1.SizeXL: {Requests: [2]string{"1", "3Gi"}, Limits: [2]string{"4", "4Gi"}},
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !enabled(in) {
		return nil, nil
	}
	configImage, err := in.Image(ConfigReleaseComponent)
	if err != nil {
		return nil, err
	}
	doc, err := realmDocument(in)
	if err != nil {
		return nil, err
	}
	realm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: kit.Meta(in, ComponentName, realmConfigMap),
		Data:       map[string]string{"realm.json": doc},
	}
	if kc := managed(in); kc != nil {
		return renderManaged(in, kc, configImage, doc, realm)
	}
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	host := in.Workspace.IdentityHost()
	labels := kit.PodLabels(in, ReleaseComponent)
	objs := []client.Object{
		deployment(in, image, host),
		web.Service(in, ComponentName, Name, labels, httpPort),
		web.Route(in, ComponentName, Name, host, Name, httpPort),
		realm,
		realmJob(in, configImage, doc, fmt.Sprintf("http://%s:%d", Name, httpPort), adminSecret),
	}
	clients := map[string]string{clientLabel: "true", ownership.WorkspaceLabel: in.Workspace.Name}
	objs = append(objs, netpol.Path(in, ComponentName, Name, clients, labels, netpol.TCP(httpPort))...)
	// Mail to the relay: admins set their first password from a mailed link.
	objs = append(objs, netpol.ToInternet(in, ComponentName, Name+"-mail", labels, 465, 587))
	return objs, nil
}

func deployment(in stack.Inputs, image, host string) *appsv1.Deployment {
	labels := kit.PodLabels(in, ReleaseComponent)
	podLabels := kit.PodLabels(in, ReleaseComponent)
	podLabels[tenant.WebLabel] = "true"
	podLabels[postgres.ClientLabel] = "true"
	f := figures[in.Size()]
	conn := postgres.ConnectionSecret(database)
	health := func(path string, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("management")}},
			PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: appsv1.DeploymentSpec{
			// One replica: the local cache (KC_CACHE=local) is not shared between replicas.
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(uid),
					AutomountServiceAccountToken: ptr.To(false),
					Containers: []corev1.Container{{
						Name:  "keycloak",
						Image: image,
						Args:  []string{"start"},
						Env: []corev1.EnvVar{
							{Name: "KC_DB", Value: "postgres"},
							kit.SecretEnv("KC_DB_URL_HOST", conn, "host"),
							kit.SecretEnv("KC_DB_URL_PORT", conn, "port"),
							kit.SecretEnv("KC_DB_URL_DATABASE", conn, "dbname"),
							kit.SecretEnv("KC_DB_USERNAME", conn, "username"),
							kit.SecretEnv("KC_DB_PASSWORD", conn, "password"),
							// Hostname v2: the full public URL; TLS ends at the ingress, which
							// forwards X-Forwarded-* (server/hostname, server/reverseproxy).
							{Name: "KC_HOSTNAME", Value: "https://" + host},
							{Name: "KC_HTTP_ENABLED", Value: "true"},
							{Name: "KC_PROXY_HEADERS", Value: "xforwarded"},
							{Name: "KC_HEALTH_ENABLED", Value: "true"},
							{Name: "KC_METRICS_ENABLED", Value: "true"},
							{Name: "KC_CACHE", Value: "local"},
							// Only read when the master realm is first created (server/bootstrap-admin-recovery).
							kit.SecretEnv("KC_BOOTSTRAP_ADMIN_USERNAME", adminSecret, "username"),
							kit.SecretEnv("KC_BOOTSTRAP_ADMIN_PASSWORD", adminSecret, "password"),
						},
						Ports: []corev1.ContainerPort{
							{Name: "http", ContainerPort: httpPort, Protocol: corev1.ProtocolTCP},
							{Name: "management", ContainerPort: managementPort, Protocol: corev1.ProtocolTCP},
						},
						Resources: f.Requirements(),
						// A read-write root: plain "start" runs Keycloak's build step, which rewrites
						// /opt/keycloak/lib/quarkus; a read-only root needs a custom pre-built image
						// (server/containers, "Creating a customized and optimized container image").
						SecurityContext: kit.ContainerSecurity(false),
						StartupProbe:    health("/health/started", 60),
						ReadinessProbe:  health("/health/ready", 3),
						LivenessProbe:   health("/health/live", 3),
					}},
				},
			},
		},
	}
}

// renderManaged renders the realm of a workspace in the provider's Keycloak: the realm, the
// Job that applies it with a copy of the platform's admin credentials, and its way out.
func renderManaged(in stack.Inputs, kc *rathausv1alpha1.KeycloakRef, configImage, doc string, realm *corev1.ConfigMap) ([]client.Object, error) {
	creds, ok := kit.PlatformSecretCopy(in, ComponentName, platformAdminSecret, kc.AdminCredentialsSecret, corev1.SecretTypeOpaque, "username", "password")
	if !ok {
		return nil, errors.New("the platform Keycloak's admin credentials were not read")
	}
	job := realmJob(in, configImage, doc, kc.URL, platformAdminSecret)
	return []client.Object{
		creds,
		realm,
		job,
		netpol.ToInternet(in, ComponentName, "rathaus-keycloak-realm-internet", job.Spec.Template.Labels, stack.URLPort(kc.URL)),
	}, nil
}

// realmJob applies the realm with keycloak-config-cli at keycloakURL, with the admin
// credentials of Secret admin, again whenever the document changes.
func realmJob(in stack.Inputs, image, doc, keycloakURL, admin string) *batchv1.Job {
	labels := kit.PodLabels(in, "keycloak-config-cli")
	labels[clientLabel] = "true"
	env := []corev1.EnvVar{
		{Name: "KEYCLOAK_URL", Value: keycloakURL},
		kit.SecretEnv("KEYCLOAK_USER", admin, "username"),
		kit.SecretEnv("KEYCLOAK_PASSWORD", admin, "password"),
		{Name: "KEYCLOAK_AVAILABILITYCHECK_ENABLED", Value: "true"},
		{Name: "KEYCLOAK_AVAILABILITYCHECK_TIMEOUT", Value: "600s"},
		{Name: "IMPORT_FILES_LOCATIONS", Value: "/config/realm.json"},
		{Name: "IMPORT_VARSUBSTITUTION_ENABLED", Value: "true"},
		// Re-apply even when the document is unchanged, so that edits made in the admin
		// console are reverted whenever the job runs (docs/MANAGED.md, checksum cache).
		{Name: "IMPORT_CACHE_ENABLED", Value: "false"},
		// An existing user keeps its required actions: otherwise every run puts
		// UPDATE_PASSWORD back on admins who already chose their password
		// (import.behaviors.user-update-ignored-properties, default "attributes", new in
		// 6.5.0: ImportConfigProperties.java, UserImportService.updateUser).
		{Name: "IMPORT_BEHAVIORS_USERUPDATEIGNOREDPROPERTIES", Value: "attributes,requiredActions"},
		// What a run may delete, spelled out rather than left to defaults: with remote state,
		// "full" deletes only groups and clients an earlier run created and this document no
		// longer has (a switched-off service's client); what the municipality creates in the
		// admin console is not in the remote state and stays (docs/MANAGED.md at v6.5.0).
		// Users are never deleted.
		{Name: "IMPORT_REMOTESTATE_ENABLED", Value: "true"},
		{Name: "IMPORT_MANAGED_GROUP", Value: "full"},
		{Name: "IMPORT_MANAGED_CLIENT", Value: "full"},
	}
	for _, c := range in.OIDCClients {
		env = append(env, kit.SecretEnv(secretEnv(c.Service), stack.OIDCClientSecret(c.Service), "client-secret"))
	}
	for i, email := range in.Workspace.Spec.Admins {
		env = append(env, kit.SecretEnv(adminPasswordEnv(i), stack.AdminLoginSecret, kit.AdminLoginKey(email)))
	}
	if r := in.Platform.Spec.SMTPRelay; r != nil && r.CredentialsSecret != nil {
		env = append(env,
			kit.SecretEnv(smtpUserEnv, stack.SMTPSecret, "username"),
			kit.SecretEnv(smtpPasswordEnv, stack.SMTPSecret, "password"))
	}
	return kit.ConfigJob{
		Component: ComponentName, NamePrefix: "rathaus-keycloak-realm-",
		Image: image, Content: []string{doc}, UID: configUID, PodLabels: labels,
		Env:       env,
		ConfigMap: realmConfigMap, MountPath: "/config",
		Resources:       kit.Resources("100m", "256Mi", "1", "768Mi"),
		DeadlineSeconds: 1800,
	}.Job(in)
}
