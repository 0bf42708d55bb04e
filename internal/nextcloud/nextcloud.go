// Package nextcloud renders the files service: Nextcloud from the official Apache image, on
// the workspace's PostgreSQL and Valkey, behind the platform's ingress.
//
// Upstream contract, read from nextcloud/docker (34/apache/Dockerfile, entrypoint.sh,
// config/*.config.php) and nextcloud/helm (charts/nextcloud values.yaml, deployment.yaml,
// _helpers.tpl).
package nextcloud

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rathaus-io/rathaus/internal/backup"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/valkey"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	ComponentName    = rathausv1alpha1.ServiceFiles
	ReleaseComponent = "nextcloud"
	Name             = "rathaus-nextcloud"
	database         = "nextcloud"
	adminSecret      = "rathaus-nextcloud-admin"
	dataClaim        = "rathaus-nextcloud-data"
	configMapName    = "rathaus-nextcloud-config"
	cronJobName      = "rathaus-nextcloud-cron"
	// uid and gid of www-data in the Debian-based image, which owns config/config.php; occ and
	// cron.php refuse to run as anyone else (nextcloud/server console.php, cron.php).
	uid = 33
	// Apache in the image always listens on port 80 (Debian ports.conf); a non-root process may
	// bind it once the pod lowers net.ipv4.ip_unprivileged_port_start, a sysctl the restricted
	// Pod Security profile allows (nextcloud/docker#458).
	httpPort = 80
)

// The single sign-on app the release runs with this Nextcloud: user_oidc v8.10.1 supports
// Nextcloud 29 to 34 (nextcloud/user_oidc appinfo/info.xml at v8.10.1); its release tarball as
// nextcloud/user_oidc's release workflow publishes it.
const (
	userOIDCVersion = "v8.10.1"
	userOIDCURL     = "https://github.com/nextcloud-releases/user_oidc/releases/download/" + userOIDCVersion + "/user_oidc-" + userOIDCVersion + ".tar.gz"
)

// trustedProxies lets Nextcloud believe X-Forwarded-* from private addresses. Only the ingress
// controller's namespace may reach the pods (tenant baseline network policies), so no other
// peer can forge those headers.
const trustedProxies = "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16"

// Component is the files service.
type Component struct{ web.Routed }

var (
	_ stack.Service      = Component{}
	_ stack.SecretOwner  = Component{}
	_ stack.DatabaseUser = Component{}
	_ stack.OIDCUser     = Component{}
)

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "FilesReady" }

func enabled(in stack.Inputs) bool { return in.Workspace.Spec.Services.Files.Enabled }

func host(in stack.Inputs) string {
	return in.Workspace.ServiceHost(in.Workspace.Spec.Services.Files.ServiceSwitch, "files")
}

// Endpoint implements stack.Service.
func (Component) Endpoint(in stack.Inputs) (string, string, bool) {
	return ComponentName, "https://" + host(in), enabled(in)
}

// Version implements stack.Service.
func (Component) Version(in stack.Inputs) string {
	c, err := images.Find(in.Release, ReleaseComponent)
	if err != nil {
		return ""
	}
	return Version(c.Version)
}

// Version is the Nextcloud version of an image tag such as 34.0.2-apache.
func Version(tag string) string {
	v, _, _ := strings.Cut(tag, "-")
	return v
}

// OIDCClient implements stack.OIDCUser, with the callback of user_oidc
// (nextcloud/user_oidc README: /apps/user_oidc/code).
func (Component) OIDCClient(in stack.Inputs) (stack.OIDCClient, bool) {
	return kit.WebClient(ComponentName, host(in), "/apps/user_oidc/code"), enabled(in)
}

// Databases implements stack.DatabaseUser.
func (Component) Databases(in stack.Inputs) []string {
	if !enabled(in) {
		return nil
	}
	return []string{database}
}

// Secrets implements stack.SecretOwner: the initial admin account, used by the image to install.
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !enabled(in) {
		return nil
	}
	return []secrets.Spec{{Name: adminSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": "admin"}}}
}

type tierFigures struct {
	replicas                  int32
	container                 kit.Figures
	volume, phpMemory, upload string
}

var figures = map[rathausv1alpha1.SizeTier]tierFigures{
	rathausv1alpha1.SizeS:  {replicas: 1, container: kit.Figures{Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}}, volume: "250Gi", phpMemory: "512M", upload: "4G"},
	rathausv1alpha1.SizeM:  {replicas: 1, container: kit.Figures{Requests: [2]string{"1", "2Gi"}, Limits: [2]string{"4", "4Gi"}}, volume: "1Ti", phpMemory: "1G", upload: "10G"},
	rathausv1alpha1.SizeL:  {replicas: 2, container: kit.Figures{Requests: [2]string{"2", "4Gi"}, Limits: [2]string{"4", "8Gi"}}, volume: "5Ti", phpMemory: "1G", upload: "10G"},
	rathausv1alpha1.SizeXL: {replicas: 3, container: kit.Figures{Requests: [2]string{"4", "8Gi"}, Limits: [2]string{"8", "16Gi"}}, volume: "25Ti", phpMemory: "2G", upload: "16G"},
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !enabled(in) {
		return nil, nil
	}
	if in.Identity == nil {
		return nil, errors.New("files needs single sign-on: set spec.identity")
	}
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	mode, class := volumeLayout(in, f)
	f.replicas = replicas(f, mode)
	h := host(in)
	storage := primaryStorage(in)
	objs := []client.Object{
		claim(in, f, mode, class, storage),
		&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: kit.Meta(in, ComponentName, configMapName),
			Data:       map[string]string{"rathaus.config.php": configPHP, "zz-rathaus-session.ini": sessionINI, "rathaus-oidc.sh": oidcHook},
		},
		withVelero(in, deployment(in, image, h, f, storage)),
		cronJob(in, image, h, storage),
		web.Service(in, ComponentName, Name, kit.PodLabels(in, ReleaseComponent), httpPort),
		web.Route(in, ComponentName, Name, h, Name, httpPort),
	}
	// Outbound: the issuer, the artifact mirror (the single sign-on app), mail relays.
	ports := []int32{443, 465, 587, in.Identity.Port(), in.ArtifactPort()}
	if storage == storageS3 {
		ports = append(ports, s3Port(in))
	}
	objs = append(objs, netpol.ToInternet(in, ComponentName, Name+"-internet", kit.PodLabels(in, ReleaseComponent), ports...))
	if storage == storageS3 {
		creds, ok := kit.PlatformSecretCopy(in, ComponentName, s3Secret, in.Platform.Spec.ObjectStorage.CredentialsSecret, corev1.SecretTypeOpaque, "access-key", "secret-key")
		if !ok {
			return nil, errors.New("the platform's object storage credentials were not read")
		}
		objs = append(objs, creds)
	}
	return objs, nil
}

// Primary storage is chosen once, when the data volume is created, and recorded in a label
// on it: Nextcloud cannot move files between local and object storage, so a platform that
// gains or loses object storage later must not switch existing installations.
const (
	storageLabel  = "rathaus.io/files-primary-storage"
	storageS3     = "s3"
	storageVolume = "volume"
	s3Secret      = "rathaus-nextcloud-s3"
)

func primaryStorage(in stack.Inputs) string {
	if pvc, ok := in.Observed[stack.Key("PersistentVolumeClaim", in.Workspace.Namespace, dataClaim)]; ok {
		if v := pvc.GetLabels()[storageLabel]; v == storageS3 || v == storageVolume {
			return v
		}
		return storageVolume // installed before the choice was recorded: files are on the volume
	}
	if in.Platform.Spec.ObjectStorage != nil {
		return storageS3
	}
	return storageVolume
}

func s3Port(in stack.Inputs) int32 {
	if s := in.Platform.Spec.ObjectStorage; s != nil && s.Port != 0 {
		return s.Port
	}
	return 443
}

// bucket is the workspace's bucket: the platform's prefix and the namespace, which is unique
// and a valid bucket name (DNS label).
func bucket(in stack.Inputs) string {
	if p := in.Platform.Spec.ObjectStorage.BucketPrefix; p != "" {
		return p + "-" + in.Workspace.Namespace
	}
	return in.Workspace.Namespace
}

func s3Env(in stack.Inputs, storage string) []corev1.EnvVar {
	if storage != storageS3 {
		return nil
	}
	s := in.Platform.Spec.ObjectStorage
	return []corev1.EnvVar{
		{Name: "RATHAUS_S3_BUCKET", Value: bucket(in)},
		{Name: "RATHAUS_S3_REGION", Value: s.Region},
		{Name: "RATHAUS_S3_HOST", Value: s.Endpoint},
		{Name: "RATHAUS_S3_PORT", Value: fmt.Sprint(s3Port(in))},
		{Name: "RATHAUS_S3_PATH_STYLE", Value: fmt.Sprint(s.PathStyle)},
		kit.SecretEnv("RATHAUS_S3_ACCESS_KEY", s3Secret, "access-key"),
		kit.SecretEnv("RATHAUS_S3_SECRET_KEY", s3Secret, "secret-key"),
	}
}

// volumeLayout is the access mode and class of the data volume: ReadWriteMany where the tier
// runs several replicas and the platform has a class for it, else ReadWriteOnce. Both are
// chosen once: Kubernetes cannot change them on an existing claim, so a volume that exists
// keeps its own, and a platform gaining or losing a ReadWriteMany class, or a new size, changes
// only the replicas, never the volume.
func volumeLayout(in stack.Inputs, f tierFigures) (corev1.PersistentVolumeAccessMode, *string) {
	rwx := in.Platform.Spec.Storage.ReadWriteManyClass
	if pvc, ok := in.Observed[stack.Key("PersistentVolumeClaim", in.Workspace.Namespace, dataClaim)].(*corev1.PersistentVolumeClaim); ok && len(pvc.Spec.AccessModes) == 1 {
		switch {
		case pvc.Spec.AccessModes[0] != corev1.ReadWriteMany:
			return pvc.Spec.AccessModes[0], in.StorageClass()
		case rwx == "":
			return corev1.ReadWriteMany, pvc.Spec.StorageClassName
		}
		return corev1.ReadWriteMany, ptr.To(rwx)
	}
	if rwx != "" && f.replicas > 1 {
		return corev1.ReadWriteMany, ptr.To(rwx)
	}
	return corev1.ReadWriteOnce, in.StorageClass()
}

// replicas are the tier's replicas where they share a ReadWriteMany volume (/var/www/html);
// on any other volume the service runs a single replica rather than fail.
func replicas(f tierFigures, mode corev1.PersistentVolumeAccessMode) int32 {
	if mode != corev1.ReadWriteMany {
		return 1
	}
	return f.replicas
}

func claim(in stack.Inputs, f tierFigures, mode corev1.PersistentVolumeAccessMode, class *string, storage string) *corev1.PersistentVolumeClaim {
	meta := kit.DataMeta(in, ComponentName, dataClaim)
	meta.Labels[storageLabel] = storage
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: meta,
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{mode},
			StorageClassName: class,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(f.volume)}},
		},
	}
}

func podLabels(in stack.Inputs) map[string]string {
	l := kit.PodLabels(in, ReleaseComponent)
	l[tenant.WebLabel] = "true"
	l[postgres.ClientLabel] = "true"
	l[valkey.ClientLabel] = "true"
	return l
}

// env is shared by the web pods and the cron job, so both see the same configuration.
func env(in stack.Inputs, h, storage string) []corev1.EnvVar {
	relay := in.Platform.Spec.SMTPRelay
	smtpHost, smtpPort, smtpSecure := "", "", ""
	if relay != nil {
		port := relay.Port
		if port == 0 {
			port = 587
		}
		smtpHost, smtpPort = relay.Host, fmt.Sprint(port)
		if port == 465 {
			smtpSecure = "ssl" // implicit TLS; on other ports Nextcloud upgrades with STARTTLS
		}
	}
	conn := postgres.ConnectionSecret(database)
	return append([]corev1.EnvVar{
		// Read by the entrypoint at first install only (nextcloud/docker entrypoint.sh). It
		// reads no port variable and hands POSTGRES_HOST to occ maintenance:install as
		// --database-host, which takes host:port; an External database need not listen on 5432.
		kit.SecretEnv("RATHAUS_DB_HOST", conn, "host"),
		kit.SecretEnv("RATHAUS_DB_PORT", conn, "port"),
		{Name: "POSTGRES_HOST", Value: "$(RATHAUS_DB_HOST):$(RATHAUS_DB_PORT)"},
		kit.SecretEnv("POSTGRES_DB", conn, "dbname"),
		kit.SecretEnv("POSTGRES_USER", conn, "username"),
		kit.SecretEnv("POSTGRES_PASSWORD", conn, "password"),
		kit.SecretEnv("NEXTCLOUD_ADMIN_USER", adminSecret, "username"),
		kit.SecretEnv("NEXTCLOUD_ADMIN_PASSWORD", adminSecret, "password"),
		{Name: "NEXTCLOUD_TRUSTED_DOMAINS", Value: h},
		// Read on every request by config/rathaus.config.php and the session ini. Not the
		// image's REDIS_HOST: with it set the entrypoint writes redis-session.ini into the
		// root-owned /usr/local/etc/php/conf.d and, under set -eu, exits (nextcloud/docker
		// entrypoint.sh configure_redis_session; nextcloud/docker#763, nextcloud/helm#187).
		kit.SecretEnv("RATHAUS_REDIS_HOST", valkey.PasswordSecret, "host"),
		kit.SecretEnv("RATHAUS_REDIS_PORT", valkey.PasswordSecret, "port"),
		kit.SecretEnv("RATHAUS_REDIS_PASSWORD", valkey.PasswordSecret, "password"),
		{Name: "RATHAUS_HOST", Value: h},
		{Name: "RATHAUS_TRUSTED_PROXIES", Value: trustedProxies},
		{Name: "RATHAUS_SMTP_HOST", Value: smtpHost},
		{Name: "RATHAUS_SMTP_PORT", Value: smtpPort},
		{Name: "RATHAUS_SMTP_SECURE", Value: smtpSecure},
		{Name: "RATHAUS_MAIL_DOMAIN", Value: in.Workspace.Spec.Domain},
		// Read by the single sign-on hook.
		{Name: "OIDC_ISSUER_URL", Value: in.Identity.IssuerURL},
		{Name: "RATHAUS_USER_OIDC_URL", Value: in.Artifact(userOIDCURL)},
		{Name: "RATHAUS_USER_OIDC_VERSION", Value: userOIDCVersion},
		kit.SecretEnv("OIDC_CLIENT_ID", stack.OIDCClientSecret(ComponentName), "client-id"),
		kit.SecretEnv("OIDC_CLIENT_SECRET", stack.OIDCClientSecret(ComponentName), "client-secret"),
	}, append(smtpAuthEnv(in), s3Env(in, storage)...)...)
}

// smtpAuthEnv reads the relay's credentials from the baseline's copy of the platform Secret.
func smtpAuthEnv(in stack.Inputs) []corev1.EnvVar {
	if r := in.Platform.Spec.SMTPRelay; r == nil || r.CredentialsSecret == nil {
		return nil
	}
	return []corev1.EnvVar{
		kit.SecretEnv("RATHAUS_SMTP_NAME", stack.SMTPSecret, "username"),
		kit.SecretEnv("RATHAUS_SMTP_PASSWORD", stack.SMTPSecret, "password"),
	}
}

// htmlMount holds code, config, apps and data together, as in the image and the Helm chart.
var htmlMount = corev1.VolumeMount{Name: "html", MountPath: "/var/www/html"}

// volumeMounts of the web container. Nothing is mounted inside /var/www/html: the runtime
// would create the directories of such a mount point on the volume owned by root, and a
// config/ made that way keeps uid 33 from ever writing config.php (nextcloud/helm#114).
// The session ini and the hook go to directories of the image's own filesystem.
func volumeMounts() []corev1.VolumeMount {
	return []corev1.VolumeMount{
		htmlMount,
		{Name: "config", MountPath: "/usr/local/etc/php/conf.d/zz-rathaus-session.ini", SubPath: "zz-rathaus-session.ini", ReadOnly: true},
		{Name: "hooks", MountPath: "/docker-entrypoint-hooks.d/before-starting/rathaus-oidc.sh", SubPath: "rathaus-oidc.sh", ReadOnly: true},
	}
}

// configDir is where configInit puts the operator's config file, as uid 33.
const configDir = "/var/www/html/config"

// configInit copies config/rathaus.config.php onto the volume before the entrypoint runs, as
// the user the entrypoint and Apache run as, so that config/ belongs to uid 33 from the first
// start on and the installer can write config.php next to it. Every start copies it again:
// the operator's file wins over edits on the volume, and a new file rolls the pods
// (configHashAnnotation).
func configInit(image string) corev1.Container {
	return corev1.Container{
		Name:            "config",
		Image:           image,
		Command:         []string{"/bin/sh", "-c", "set -eu\nmkdir -p " + configDir + "\ncp /rathaus/rathaus.config.php " + configDir + "/rathaus.config.php.new\nmv " + configDir + "/rathaus.config.php.new " + configDir + "/rathaus.config.php\n"},
		Resources:       kit.Resources("50m", "64Mi", "200m", "128Mi"),
		SecurityContext: kit.ContainerSecurity(true),
		VolumeMounts: []corev1.VolumeMount{
			htmlMount,
			{Name: "config", MountPath: "/rathaus", ReadOnly: true},
		},
	}
}

// configHashAnnotation rolls the web pods when a file they read only at start changes.
const configHashAnnotation = "rathaus.io/config-hash"

func volumes() []corev1.Volume {
	return []corev1.Volume{
		{Name: "html", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: dataClaim}}},
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMapName}}}},
		// The entrypoint only runs hooks that are executable.
		{Name: "hooks", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: configMapName},
			Items:                []corev1.KeyToPath{{Key: "rathaus-oidc.sh", Path: "rathaus-oidc.sh", Mode: ptr.To[int32](0o555)}},
		}}},
	}
}

// gibibytes is the byte count of a PHP size such as "4G" (PHP's G is 1024³).
func gibibytes(php string) int64 {
	n, err := strconv.ParseInt(strings.TrimSuffix(php, "G"), 10, 64)
	if err != nil {
		return 0
	}
	return n << 30
}

func podSecurity() *corev1.PodSecurityContext { return kit.PodSecurityBinding(uid, httpPort) }

// readOnlyRoot is false: the image supports no read-only root (nextcloud/docker has no such
// mode; Apache writes /var/run/apache2 and /var/lock/apache2, PHP /tmp, and the entrypoint
// rsyncs into /var/www). Everything else of the restricted profile applies.
const readOnlyRoot = false

func deployment(in stack.Inputs, image, h string, f tierFigures, storage string) *appsv1.Deployment {
	labels := podLabels(in)
	status := func(delay, failures int32) *corev1.Probe {
		// status.php with the public host, as the Helm chart probes: after installation
		// Nextcloud answers 400 to hosts it does not trust.
		return &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/status.php", Port: intstr.FromString("http"),
				HTTPHeaders: []corev1.HTTPHeader{{Name: "Host", Value: h}},
			}},
			InitialDelaySeconds: delay, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(f.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: kit.PodLabels(in, ReleaseComponent)},
			// Recreate: a new image's entrypoint rsyncs the code and runs occ upgrade on the
			// shared volume, which old pods must not serve meanwhile (nextcloud/helm values.yaml).
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels,
					Annotations: map[string]string{configHashAnnotation: kit.ShortHash(configPHP, sessionINI, oidcHook)},
				},
				Spec: corev1.PodSpec{
					SecurityContext:              podSecurity(),
					AutomountServiceAccountToken: ptr.To(false),
					InitContainers:               []corev1.Container{configInit(image)},
					Containers: []corev1.Container{{
						Name:  "nextcloud",
						Image: image,
						Env: append(env(in, h, storage),
							corev1.EnvVar{Name: "PHP_MEMORY_LIMIT", Value: f.phpMemory},
							corev1.EnvVar{Name: "PHP_UPLOAD_LIMIT", Value: f.upload},
							// Apache's LimitRequestBody (apache-limits.conf, default 1 GiB)
							// would refuse uploads PHP accepts.
							corev1.EnvVar{Name: "APACHE_BODY_LIMIT", Value: fmt.Sprint(gibibytes(f.upload))},
						),
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: httpPort, Protocol: corev1.ProtocolTCP}},
						Resources:       f.container.Requirements(),
						SecurityContext: kit.ContainerSecurity(readOnlyRoot),
						// The first start installs and every new major upgrades the database:
						// minutes, not seconds (nextcloud/helm README, "startupProbe").
						StartupProbe:   status(10, 60),
						ReadinessProbe: status(0, 3),
						LivenessProbe:  status(0, 3),
						VolumeMounts:   volumeMounts(),
					}},
					Volumes: volumes(),
				},
			},
		},
	}
}

// cronJob runs background jobs every five minutes, as the image's own crontab does, as www-data
// and on the same volume; with a single-node volume it must run where the web pod runs.
func cronJob(in stack.Inputs, image, h, storage string) *batchv1.CronJob {
	labels := podLabels(in)
	delete(labels, tenant.WebLabel)
	labels[kit.AppLabel] = "nextcloud-cron"
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: kit.Meta(in, ComponentName, cronJobName),
		Spec: batchv1.CronJobSpec{
			Schedule:                   "*/5 * * * *",
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To[int32](3),
			FailedJobsHistoryLimit:     ptr.To[int32](3),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				BackoffLimit:          ptr.To[int32](1),
				ActiveDeadlineSeconds: ptr.To[int64](1800),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{
						RestartPolicy:                corev1.RestartPolicyNever,
						SecurityContext:              podSecurity(),
						AutomountServiceAccountToken: ptr.To(false),
						Affinity: &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
							RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
								LabelSelector: &metav1.LabelSelector{MatchLabels: kit.PodLabels(in, ReleaseComponent)},
								TopologyKey:   corev1.LabelHostname,
							}},
						}},
						Containers: []corev1.Container{{
							Name:  "cron",
							Image: image,
							// Bypasses the entrypoint, so the job never installs or upgrades;
							// before the first installation there is nothing to run.
							Command:         []string{"/bin/sh", "-c", "if [ ! -f /var/www/html/config/config.php ]; then exit 0; fi\nexec php -f /var/www/html/cron.php\n"},
							Env:             env(in, h, storage),
							Resources:       kit.Resources("100m", "256Mi", "1", "1Gi"),
							SecurityContext: kit.ContainerSecurity(readOnlyRoot),
							// config.php and rathaus.config.php are on the volume.
							VolumeMounts: []corev1.VolumeMount{htmlMount},
						}},
						Volumes: volumes()[:1],
					},
				},
			}},
		},
	}
}

// withVelero adds what the provider's Velero needs to back Nextcloud up consistently
// (backup.method Velero): its volume, with the instance in maintenance mode meanwhile, which
// locks sessions and logins so that files and database agree (Nextcloud admin manual,
// maintenance/backup.rst). occ runs as the container's user, www-data.
func withVelero(in stack.Inputs, d *appsv1.Deployment) *appsv1.Deployment {
	if !backup.ForVelero(in.Platform.Spec.Backup) {
		return d
	}
	occ := func(arg string) []string { return []string{"php", "/var/www/html/occ", "maintenance:mode", arg} }
	tmpl := &d.Spec.Template
	tmpl.Annotations = backup.VeleroAnnotations(tmpl.Annotations, []string{"html"}, nil,
		&backup.VeleroHook{Container: "nextcloud", Command: occ("--on"), Timeout: "2m", OnError: "Fail"},
		// Continue: a failed hook must not fail a backup that was taken; the runbook says how
		// to leave maintenance mode by hand.
		&backup.VeleroHook{Container: "nextcloud", Command: occ("--off"), Timeout: "2m", OnError: "Continue"})
	return d
}
