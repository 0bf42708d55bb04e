// Package postgres renders a workspace's PostgreSQL in the platform's mode: Bundled (one
// StatefulSet from the official image), CloudNativePG (a Cluster with managed roles and
// Database objects) or External (nothing: the provider supplies the connection Secrets). In
// every mode each service that needs a database has its own database and role and reaches it
// through a connection Secret rathaus-db-<database> of the same shape as CloudNativePG's
// <cluster>-app Secret (host, port, dbname, username, password).
package postgres

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
	// ComponentName labels the database's objects; ReleaseComponent names its image.
	ComponentName    = "database"
	ReleaseComponent = "postgresql"
	// CloudNativePGReleaseComponent is the operand image of CloudNativePG mode: its instance
	// manager replaces the image's entrypoint and runs as uid 26, which the official image
	// lacks (cloudnative-pg docs/src/container_images.md; postgres-containers Dockerfile).
	CloudNativePGReleaseComponent = "postgresql-cloudnativepg"
	// Name is the StatefulSet's and the Service's name; clients connect to it.
	Name            = "rathaus-postgresql"
	superuserSecret = "rathaus-postgresql-superuser"
	dataClaim       = "rathaus-postgresql-data"
	setupConfigMap  = "rathaus-postgresql-setup"
	Port            = 5432
	// uid and gid of the postgres user in the Debian-based official image
	// (docker-library/postgres 17/trixie/Dockerfile: groupadd/useradd --uid=999).
	uid = 999
	// dataDir is below the mount point, so a volume's lost+found never sits in PGDATA
	// (docker-library/docs postgres/content.md, "PGDATA"); the 17 image mounts at .../data.
	mountPath = "/var/lib/postgresql/data"
	pgdata    = mountPath + "/pgdata"
)

// ClientLabel marks pods that may connect to the database; each service sets it on its pods.
const ClientLabel = "rathaus.io/database-client"

// ConnectionSecret names the Secret a service reads its database connection from.
func ConnectionSecret(database string) string { return "rathaus-db-" + database }

// Component is the bundled PostgreSQL.
type Component struct{}

var _ stack.Conditioned = Component{}
var _ stack.SecretOwner = Component{}

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "DatabaseReady" }

// Secrets implements stack.SecretOwner: the superuser's password and one connection Secret
// per database.
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	mode := in.Platform.Spec.Database.Mode
	if len(in.Databases) == 0 || mode == rathausv1alpha1.DatabaseExternal {
		return nil
	}
	var specs []secrets.Spec
	if mode != rathausv1alpha1.DatabaseCloudNativePG {
		specs = append(specs, secrets.Spec{Name: superuserSecret, Keys: []secrets.Key{secrets.Password("password")}, Static: map[string]string{"username": "postgres"}})
	}
	for _, db := range in.Databases {
		specs = append(specs, secrets.Spec{
			Name: ConnectionSecret(db),
			// basic-auth: CloudNativePG reads managed roles' passwords from such Secrets.
			Type: "kubernetes.io/basic-auth",
			Keys: []secrets.Key{secrets.Password("password")},
			Static: map[string]string{
				"host":     connectionHost(in),
				"port":     fmt.Sprint(Port),
				"dbname":   db,
				"username": db,
			},
		})
	}
	return specs
}

type tierFigures struct {
	container kit.Figures
	volume    string
}

var figures = map[rathausv1alpha1.SizeTier]tierFigures{
	rathausv1alpha1.SizeS:  {container: kit.Figures{Requests: [2]string{"250m", "512Mi"}, Limits: [2]string{"1", "1Gi"}}, volume: "20Gi"},
	rathausv1alpha1.SizeM:  {container: kit.Figures{Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}}, volume: "50Gi"},
	rathausv1alpha1.SizeL:  {container: kit.Figures{Requests: [2]string{"1", "4Gi"}, Limits: [2]string{"4", "8Gi"}}, volume: "200Gi"},
	rathausv1alpha1.SizeXL: {container: kit.Figures{Requests: [2]string{"2", "8Gi"}, Limits: [2]string{"8", "16Gi"}}, volume: "500Gi"},
}

// Render implements stack.Component. Without databases to serve it renders nothing; its
// volume and credentials, being data, stay unless the deletion policy is Delete.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	switch {
	case len(in.Databases) == 0, in.Platform.Spec.Database.Mode == rathausv1alpha1.DatabaseExternal:
		return nil, nil
	case in.Platform.Spec.Database.Mode == rathausv1alpha1.DatabaseCloudNativePG:
		return renderCloudNativePG(in)
	}
	image, err := in.Image(ReleaseComponent)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	script := setupScript(in.Databases)
	objs := []client.Object{
		claim(in, f),
		service(in),
		withVelero(in, statefulSet(in, image, f)),
		&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: kit.Meta(in, ComponentName, setupConfigMap),
			Data:       map[string]string{"setup.sql": setupSQL, "setup.sh": script},
		},
		setupJob(in, image, script),
	}
	clients := map[string]string{ClientLabel: "true", ownership.WorkspaceLabel: in.Workspace.Name}
	objs = append(objs, netpol.Path(in, ComponentName, Name, clients, kit.PodLabels(in, ReleaseComponent), netpol.TCP(Port))...)
	return objs, nil
}

func claim(in stack.Inputs, f tierFigures) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: kit.DataMeta(in, ComponentName, dataClaim),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: in.StorageClass(),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(f.volume)}},
		},
	}
}

func service(in stack.Inputs) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: corev1.ServiceSpec{
			Selector: kit.PodLabels(in, ReleaseComponent),
			Ports:    []corev1.ServicePort{{Name: "postgresql", Port: Port, TargetPort: intstr.FromString("postgresql"), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// pgIsReady probes the server over TCP as the image's healthcheck examples do
// (bitnami/charts postgresql statefulset.yaml uses the same pg_isready form).
var pgIsReady = []string{"pg_isready", "-U", "postgres", "-h", "127.0.0.1", "-p", fmt.Sprint(Port)}

func statefulSet(in stack.Inputs, image string, f tierFigures) *appsv1.StatefulSet {
	labels := kit.PodLabels(in, ReleaseComponent)
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: kit.Meta(in, ComponentName, Name),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](1),
			ServiceName: Name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(uid),
					AutomountServiceAccountToken: ptr.To(false),
					Containers: []corev1.Container{{
						Name:  "postgresql",
						Image: image,
						Env: []corev1.EnvVar{
							{Name: "PGDATA", Value: pgdata},
							kit.SecretEnv("POSTGRES_PASSWORD", superuserSecret, "password"),
						},
						Ports:           []corev1.ContainerPort{{Name: "postgresql", ContainerPort: Port, Protocol: corev1.ProtocolTCP}},
						Resources:       f.container.Requirements(),
						SecurityContext: kit.ContainerSecurity(true),
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: pgIsReady}},
							PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 6,
						},
						LivenessProbe: &corev1.Probe{
							ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: pgIsReady}},
							InitialDelaySeconds: 30, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 6,
						},
						// Writable paths under a read-only root, from the image's entrypoint: the
						// data, the socket directory and /tmp (nss_wrapper, psql temp files).
						VolumeMounts: []corev1.VolumeMount{
							{Name: "data", MountPath: mountPath},
							{Name: "run", MountPath: "/var/run/postgresql"},
							{Name: "tmp", MountPath: "/tmp"},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: dataClaim}}},
						kit.EmptyDir("run"),
						kit.EmptyDir("tmp"),
					},
				},
			},
		},
	}
}

// setupSQL creates the role and database named by the psql variable db, idempotently, and
// sets the role's password from the variable password on every run. CREATE DATABASE cannot
// run in a transaction (hence no DO block), so psql's \gexec runs the statements that the
// SELECTs produce, and none when the object exists. Each role owns its database, which
// PostgreSQL 15+ requires for creating tables in the public schema.
const setupSQL = `SELECT format('CREATE ROLE %I LOGIN', :'db') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'db', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
`

// setupScript waits for the server and runs setup.sql once per database; passwords come from
// the environment, never from the script.
func setupScript(databases []string) string {
	var b strings.Builder
	b.WriteString("set -eu\nuntil pg_isready -q; do sleep 2; done\n")
	for i, db := range databases {
		fmt.Fprintf(&b, "psql -v ON_ERROR_STOP=1 -v db=%s -v password=\"$DB_PASSWORD_%d\" -f /setup/setup.sql\n", db, i)
	}
	return b.String()
}

func setupJob(in stack.Inputs, image, script string) *batchv1.Job {
	env := []corev1.EnvVar{
		{Name: "PGHOST", Value: Name},
		{Name: "PGPORT", Value: fmt.Sprint(Port)},
		{Name: "PGUSER", Value: "postgres"},
		{Name: "PGDATABASE", Value: "postgres"},
		kit.SecretEnv("PGPASSWORD", superuserSecret, "password"),
	}
	for i, db := range in.Databases {
		env = append(env, kit.SecretEnv(fmt.Sprintf("DB_PASSWORD_%d", i), ConnectionSecret(db), "password"))
	}
	labels := kit.PodLabels(in, "postgresql-setup")
	labels[ClientLabel] = "true"
	return kit.ConfigJob{
		Component: ComponentName, NamePrefix: "rathaus-postgresql-setup-",
		Image: image, Content: []string{setupSQL, script}, UID: uid, PodLabels: labels,
		Command:   []string{"sh", "/setup/setup.sh"},
		Env:       env,
		ConfigMap: setupConfigMap, MountPath: "/setup",
		Resources:       kit.Resources("50m", "64Mi", "500m", "256Mi"),
		DeadlineSeconds: 900,
	}.Job(in)
}
