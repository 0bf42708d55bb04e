// Package stalwart is the default mail engine: Stalwart (SMTP, submission, IMAP, JMAP,
// CalDAV/CardDAV, ManageSieve) as one StatefulSet on the workspace's PostgreSQL, configured
// declaratively with stalwart-cli.
//
// Upstream contract, read from stalwartlabs/stalwart (Dockerfile, UPGRADING/v0_16.md,
// crates/common/src/manager/defaults.rs) and the v0.16 documentation in stalwartlabs/website
// (install/platform/docker.md, cluster/orchestration/kubernetes.md with the reference Helm
// chart, configuration/*.md, management/cli/*.md, ref/object/*.md):
//   - from v0.16 the server reads only config.json, holding the DataStore; everything else
//     (domains, DKIM, listeners, routes, directories) lives in the data store and is applied
//     with `stalwart-cli apply` over JMAP, idempotently with upserts;
//   - the image runs as uid 2000; /usr/local/bin/stalwart carries the cap_net_bind_service
//     file capability, which no_new_privs (allowPrivilegeEscalation: false) and a shell in
//     between make void, so the pod lowers net.ipv4.ip_unprivileged_port_start; the
//     capability stays in the bounding set, without which the binary does not execute;
//   - health endpoints /healthz/live and /healthz/ready on the plain HTTP listener, 8080;
//   - STALWART_RECOVERY_ADMIN=user:password is an administrator that bypasses the directory;
//   - stalwart-cli ships as its own distroless image (stalwartlabs/cli Dockerfile, uid 65532)
//     reading STALWART_URL, STALWART_USER and STALWART_PASSWORD.
package stalwart

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

const (
	// Release components: the server and the CLI that configures it.
	ReleaseComponent    = "stalwart"
	CLIReleaseComponent = "stalwart-cli"
	Name                = "rathaus-stalwart"
	adminSecret         = "rathaus-stalwart-admin"
	dataClaim           = "rathaus-stalwart-data"
	planConfigMap       = "rathaus-stalwart-plan"
	database            = "stalwart"
	// uid of the stalwart user in the image (Dockerfile: useradd -u 2000).
	uid = 2000
	// uid of the nonroot user of the CLI's distroless image.
	cliUID = 65532
	// httpPort is the plain HTTP listener every server has (defaults.rs, "http" 8080).
	httpPort = 8080
)

// Engine is Stalwart.
type Engine struct{}

var _ mail.Engine = Engine{}

// Name implements mail.Engine.
func (Engine) Name() string { return "stalwart" }

// ReleaseComponent implements mail.Engine.
func (Engine) ReleaseComponent() string { return ReleaseComponent }

// Databases implements mail.Engine: the data store, blobs included, is PostgreSQL, so mail
// is backed up with the workspace's other databases ("Deployments that rely exclusively on
// external stores ... can leave the data volume empty", install/platform/docker.md).
func (Engine) Databases() []string { return []string{database} }

// Secrets implements mail.Engine: the administrator the CLI signs in as.
func (Engine) Secrets(stack.Inputs) []secrets.Spec {
	return []secrets.Spec{{Name: adminSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": "admin"}}}
}

type tierFigures struct {
	server kit.Figures
	volume string
}

var figures = map[rathausv1alpha1.SizeTier]tierFigures{
	rathausv1alpha1.SizeS:  {server: kit.Figures{Requests: [2]string{"250m", "512Mi"}, Limits: [2]string{"2", "2Gi"}}, volume: "5Gi"},
	rathausv1alpha1.SizeM:  {server: kit.Figures{Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}}, volume: "10Gi"},
	rathausv1alpha1.SizeL:  {server: kit.Figures{Requests: [2]string{"1", "2Gi"}, Limits: [2]string{"4", "4Gi"}}, volume: "20Gi"},
	rathausv1alpha1.SizeXL: {server: kit.Figures{Requests: [2]string{"2", "4Gi"}, Limits: [2]string{"8", "8Gi"}}, volume: "50Gi"},
}

// Render implements mail.Engine.
func (e Engine) Render(in stack.Inputs, p mail.Plan) ([]client.Object, error) {
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	cliImage, err := in.Image(CLIReleaseComponent)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	plan := Plan(p)
	jobLabels := kit.PodLabels(in, "stalwart-config")
	job := kit.ConfigJob{
		Component:  mail.ComponentName,
		NamePrefix: Name + "-config-",
		Image:      cliImage,
		Content:    []string{plan},
		UID:        cliUID,
		PodLabels:  jobLabels,
		// The image is distroless: no shell, the CLI is the entrypoint.
		Command: []string{"/usr/local/bin/stalwart-cli", "apply", "--file", "/plan/plan.ndjson"},
		Env: []corev1.EnvVar{
			{Name: "STALWART_URL", Value: fmt.Sprintf("http://%s:%d", Name, httpPort)},
			kit.SecretEnv("STALWART_USER", adminSecret, "username"),
			kit.SecretEnv("STALWART_PASSWORD", adminSecret, "password"),
			// The CLI caches the server's schema under the user's cache directory.
			{Name: "HOME", Value: "/tmp"},
			{Name: "XDG_CACHE_HOME", Value: "/tmp"},
			{Name: "NO_COLOR", Value: "1"},
		},
		ConfigMap:       planConfigMap,
		MountPath:       "/plan",
		Resources:       kit.Resources("50m", "64Mi", "500m", "256Mi"),
		DeadlineSeconds: 1200,
	}.Job(in)
	objs := []client.Object{
		claim(in, f),
		headless(in, p),
		statefulSet(in, image, p, f, appliedPlan(in, job.Name)),
		&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: kit.Meta(in, mail.ComponentName, planConfigMap),
			Data:       map[string]string{"plan.ndjson": plan},
		},
		job,
	}
	return append(objs, netpol.Path(in, mail.ComponentName, Name+"-config", jobLabels, p.PodLabels, netpol.TCP(httpPort))...), nil
}

func claim(in stack.Inputs, f tierFigures) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: kit.DataMeta(in, mail.ComponentName, dataClaim),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: in.StorageClass(),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(f.volume)}},
		},
	}
}

// headless governs the StatefulSet and is the address the configuration Job talks to.
func headless(in stack.Inputs, p mail.Plan) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, mail.ComponentName, Name),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  p.PodLabels,
			Ports:     []corev1.ServicePort{{Name: "http", Port: httpPort, TargetPort: intstr.FromString(mail.WebPortName), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// startScript writes config.json from the database connection's Secret and starts the
// server with it, as the image's CMD does (--config /etc/stalwart/config.json). The file is
// generated because the host, database and user come from a Secret that, in External mode,
// the provider writes; the password stays in the environment (authSecret
// EnvironmentVariable, ref/object/data-store).
const startScript = `set -eu
printf '{"@type":"PostgreSql","host":"%s","port":%s,"database":"%s","authUsername":"%s","authSecret":{"@type":"EnvironmentVariable","variableName":"STALWART_DB_PASSWORD"}}\n' \
  "$DB_HOST" "$DB_PORT" "$DB_NAME" "$DB_USER" > /tmp/config.json
exec /usr/local/bin/stalwart --config /tmp/config.json
`

func podAnnotations(applied string) map[string]string {
	if applied == "" {
		return nil
	}
	return map[string]string{appliedPlanAnnotation: applied}
}

// appliedPlanAnnotation names, on the server's pod template, the configuration Job the
// server last restarted for.
const appliedPlanAnnotation = "rathaus.io/applied-plan"

// appliedPlan is the configuration Job whose success the server has restarted for. Listeners
// a plan adds (submission on 587) bind only when the server starts (crates/common/src/
// network/listen.rs binds at boot; a reload does not), so once the current Job has
// succeeded, the pod template names it and the server restarts once. Until then the template
// keeps naming the one before: a Job still running never restarts the server under it.
func appliedPlan(in stack.Inputs, job string) string {
	ns := in.Workspace.Namespace
	if j, ok := in.Observed[stack.Key("Job", ns, job)].(*batchv1.Job); ok && j.Status.Succeeded > 0 {
		return job
	}
	if sts, ok := in.Observed[stack.Key("StatefulSet", ns, Name)].(*appsv1.StatefulSet); ok {
		return sts.Spec.Template.Annotations[appliedPlanAnnotation]
	}
	return ""
}

func statefulSet(in stack.Inputs, image string, p mail.Plan, f tierFigures, applied string) *appsv1.StatefulSet {
	labels := kit.PodLabels(in, "mail")
	labels[tenant.WebLabel] = "true"
	labels[postgres.ClientLabel] = "true"
	env, ports := serverEnv(p), serverPorts()
	mounts, volumes := serverVolumes(p)

	// The binary carries the cap_net_bind_service file capability with the effective bit: the
	// kernel refuses to execute it unless the capability is in the bounding set, even where
	// no_new_privs keeps it from being granted (reproduced with capsh as uid 2000).
	security := kit.ContainerSecurity(true)
	security.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
	lowest := int32(httpPort)
	for _, port := range mail.Ports {
		lowest = min(lowest, port.Number)
	}
	probe := func(path string, delay, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(mail.WebPortName)}},
			InitialDelaySeconds: delay, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: kit.Meta(in, mail.ComponentName, Name),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](1),
			ServiceName: Name,
			Selector:    &metav1.LabelSelector{MatchLabels: p.PodLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: podAnnotations(applied)},
				Spec: corev1.PodSpec{
					// Stalwart binds 25, 465, 587 and 993 as uid 2000 under /bin/sh, where its
					// file capability does not apply: the pod lowers the unprivileged port range.
					SecurityContext:              kit.PodSecurityBinding(uid, lowest),
					AutomountServiceAccountToken: ptr.To(false),
					// Queued mail is flushed and connections drained before the pod goes.
					TerminationGracePeriodSeconds: ptr.To[int64](60),
					Containers: []corev1.Container{{
						Name:            "stalwart",
						Image:           image,
						Command:         []string{"/bin/sh", "-c", startScript},
						Env:             env,
						Ports:           ports,
						Resources:       f.server.Requirements(),
						SecurityContext: security,
						// The chart's probes (cluster/orchestration/kubernetes.md); the first
						// start creates the schema in PostgreSQL.
						StartupProbe:   probe("/healthz/live", 5, 60),
						ReadinessProbe: probe("/healthz/ready", 0, 3),
						LivenessProbe:  probe("/healthz/live", 0, 6),
						VolumeMounts:   mounts,
						WorkingDir:     "/var/lib/stalwart",
					}},
					Volumes: volumes,
				},
			},
		},
	}
}

// serverEnv is the server's environment: its database, its public URL and the operator's
// administrator, and the relay's password when mail leaves through an authenticated relay.
func serverEnv(p mail.Plan) []corev1.EnvVar {
	conn := postgres.ConnectionSecret(database)
	env := []corev1.EnvVar{
		kit.SecretEnv("DB_HOST", conn, "host"),
		kit.SecretEnv("DB_PORT", conn, "port"),
		kit.SecretEnv("DB_NAME", conn, "dbname"),
		kit.SecretEnv("DB_USER", conn, "username"),
		kit.SecretEnv("STALWART_DB_PASSWORD", conn, "password"),
		// Discovery documents (OAuth, OIDC, JMAP) name the public URL, not the pod's.
		{Name: "STALWART_PUBLIC_URL", Value: "https://" + p.Host},
		kit.SecretEnv("RATHAUS_ADMIN_USER", adminSecret, "username"),
		kit.SecretEnv("RATHAUS_ADMIN_PASSWORD", adminSecret, "password"),
		// The administrator the configuration Job signs in as. Upstream calls it a recovery
		// credential not to be left set (configuration/recovery-mode.md); here it is the
		// operator's own, generated, never shown, and the only administrator there is, as
		// users sign in through single sign-on.
		{Name: "STALWART_RECOVERY_ADMIN", Value: "$(RATHAUS_ADMIN_USER):$(RATHAUS_ADMIN_PASSWORD)"},
	}
	if p.Relay != nil && p.Relay.Username != "" {
		env = append(env, kit.SecretEnv(relayPasswordEnv, stack.SMTPSecret, "password"))
	}
	return env
}

// serverPorts are the mail protocols' ports and the plain HTTP port behind the ingress.
func serverPorts() []corev1.ContainerPort {
	ports := make([]corev1.ContainerPort, 0, len(mail.Ports)+1)
	for _, port := range mail.Ports {
		ports = append(ports, corev1.ContainerPort{Name: port.Name, ContainerPort: port.Number, Protocol: corev1.ProtocolTCP})
	}
	ports = append(ports, corev1.ContainerPort{Name: mail.WebPortName, ContainerPort: httpPort, Protocol: corev1.ProtocolTCP})
	return ports
}

// serverVolumes are the data volume, scratch space, the DKIM key and, when the plan has one,
// the mail host's certificate.
func serverVolumes(p mail.Plan) ([]corev1.VolumeMount, []corev1.Volume) {
	mounts := []corev1.VolumeMount{
		{Name: "data", MountPath: "/var/lib/stalwart"},
		{Name: "tmp", MountPath: "/tmp"},
		{Name: "dkim", MountPath: dkimDir, ReadOnly: true},
	}
	volumes := []corev1.Volume{
		{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: dataClaim}}},
		kit.EmptyDir("tmp"),
		{Name: "dkim", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: p.DKIMSecret, Items: []corev1.KeyToPath{{Key: mail.DKIMKey, Path: mail.DKIMKey}},
		}}},
	}
	if p.TLSSecret != "" {
		mounts = append(mounts, corev1.VolumeMount{Name: "tls", MountPath: tlsDir, ReadOnly: true})
		volumes = append(volumes, corev1.Volume{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: p.TLSSecret,
			Items:      []corev1.KeyToPath{{Key: corev1.TLSCertKey, Path: "tls.crt"}, {Key: corev1.TLSPrivateKeyKey, Path: "tls.key"}},
		}}})
	}
	return mounts, volumes
}
