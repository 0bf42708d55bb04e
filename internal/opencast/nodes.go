package opencast

import (
	"fmt"

	"github.com/rathaus-io/rathaus/internal/backup"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	// uid and gid of the opencast user the image creates and hands the storage directory
	// to (opencast-docker Dockerfile OPENCAST_UID/OPENCAST_GID 800).
	uid = 800
	// httpPort is Karaf's HTTP port (Dockerfile EXPOSE 8080, etc/org.ops4j.pax.web.cfg).
	httpPort = 8080
	// storageDir is the image's data volume; custom.properties puts
	// org.opencastproject.storage.dir at /data/opencast below it.
	storageDir = "/data"

	dataClaimName = "rathaus-opencast-data"
	nodesService  = "rathaus-opencast-nodes" // headless: one stable DNS name per node
	startConfig   = "rathaus-opencast-start"

	// nodeLabel marks every Opencast node, for the paths between them.
	nodeLabel = "rathaus.io/media-node"

	configHashAnnotation = "rathaus.io/config-hash"
)

func nodeName(r role) string { return "rathaus-opencast-" + r.name }

func nodeApp(r role) string { return "opencast-" + r.name }

// nodeSelector selects one role's pods; stable, as StatefulSet selectors are immutable.
func nodeSelector(in stack.Inputs, r role) map[string]string { return kit.PodLabels(in, nodeApp(r)) }

func nodesSelector(in stack.Inputs) map[string]string {
	l := kit.PodLabels(in, "opencast")
	delete(l, kit.AppLabel)
	l[nodeLabel] = "true"
	return l
}

func nodePodLabels(in stack.Inputs, r role) map[string]string {
	l := nodeSelector(in, r)
	l[nodeLabel] = "true"
	l[postgres.ClientLabel] = "true"
	if r.search {
		l[searchClientLabel] = "true"
	}
	if r.public {
		l[tenant.WebLabel] = "true"
	}
	return l
}

// serverURL is a node's own URL, under which it registers in the service registry and the
// other nodes call it: unique per pod, so every node of a StatefulSet is its own server
// (opencast-docker scripts/opencast.sh defaults it to http://$(hostname -f):8080 for the
// same reason). $(POD_NAME) is expanded by the kubelet from the env var before it.
func serverURL(in stack.Inputs) string {
	return fmt.Sprintf("http://$(POD_NAME).%s.%s.svc:%d", nodesService, in.Workspace.Namespace, httpPort)
}

// adminNodeURL is where the other nodes reach the admin node's working file repository. It
// must not be the public admin UI, which the OIDC proxy guards against the nodes' digest
// logins (the clustered organization config defaults file.repo.url to admin.ui.url).
func adminNodeURL(in stack.Inputs, t topology) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", nodeName(t.adminRole()), in.Workspace.Namespace, httpPort)
}

func renderNodes(in stack.Inputs, t topology) ([]client.Object, error) {
	objs := []client.Object{
		dataClaim(in, t),
		&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: kit.Meta(in, ComponentName, startConfig),
			Data:       map[string]string{"start.sh": startScript},
		},
		headlessService(in),
	}
	for _, r := range t.roles {
		image, err := in.Image(r.image)
		if err != nil {
			return nil, err
		}
		sts := statefulSet(in, t, r, image)
		if r.name == t.adminRole().name && backup.ForVelero(in.Platform.Spec.Backup) {
			// The storage is one volume, shared by every role on M and larger: Velero copies it
			// from the admin node's pod only, without its scratch workspace (a copy of the
			// working files Opencast refills).
			tmpl := &sts.Spec.Template
			tmpl.Annotations = backup.VeleroAnnotations(tmpl.Annotations, []string{"data"}, nil, nil, nil)
		}
		objs = append(objs, sts)
		if r.public || r.admin {
			objs = append(objs, web.Service(in, ComponentName, nodeName(r), nodeSelector(in, r), httpPort))
		}
	}
	pub := t.publicRole()
	objs = append(objs, web.Route(in, ComponentName, nodeName(pub), host(in), nodeName(pub), httpPort))
	return objs, nil
}

func headlessService(in stack.Inputs) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, ComponentName, nodesService),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  nodesSelector(in),
			// Nodes register before they are ready; the others must resolve them meanwhile.
			PublishNotReadyAddresses: true,
			Ports:                    []corev1.ServicePort{{Name: "http", Port: httpPort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// env is upstream's environment contract (scripts/opencast.sh, db.sh, jdbc.sh,
// elasticsearch.sh): every node gets the same URLs, accounts and database.
func env(in stack.Inputs, t topology, r role) []corev1.EnvVar {
	conn := postgres.ConnectionSecret(database)
	engage := "https://" + host(in)
	out := []corev1.EnvVar{
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "ORG_OPENCASTPROJECT_SERVER_URL", Value: serverURL(in)},
		// Published media are downloaded by viewers from the engage host, which serves /static.
		{Name: "ORG_OPENCASTPROJECT_DOWNLOAD_URL", Value: engage + "/static"},
		{Name: "ORG_OPENCASTPROJECT_ADMIN_EMAIL", Value: adminEmail(in)},
		kit.SecretEnv("ORG_OPENCASTPROJECT_SECURITY_ADMIN_USER", adminSecret, "username"),
		kit.SecretEnv("ORG_OPENCASTPROJECT_SECURITY_ADMIN_PASS", adminSecret, "password"),
		kit.SecretEnv("ORG_OPENCASTPROJECT_SECURITY_DIGEST_USER", digestSecret, "username"),
		kit.SecretEnv("ORG_OPENCASTPROJECT_SECURITY_DIGEST_PASS", digestSecret, "password"),
		{Name: "ORG_OPENCASTPROJECT_DB_VENDOR", Value: "PostgreSQL"},
		kit.SecretEnv("RATHAUS_DB_HOST", conn, "host"),
		kit.SecretEnv("RATHAUS_DB_PORT", conn, "port"),
		kit.SecretEnv("RATHAUS_DB_NAME", conn, "dbname"),
		{Name: "ORG_OPENCASTPROJECT_DB_JDBC_URL", Value: "jdbc:postgresql://$(RATHAUS_DB_HOST):$(RATHAUS_DB_PORT)/$(RATHAUS_DB_NAME)"},
		kit.SecretEnv("ORG_OPENCASTPROJECT_DB_JDBC_USER", conn, "username"),
		kit.SecretEnv("ORG_OPENCASTPROJECT_DB_JDBC_PASS", conn, "password"),
		// The organization's URLs, the same on every node (org.opencastproject.organization-
		// mh_default_org.cfg prop.org.opencastproject.*).
		{Name: "PROP_ORG_OPENCASTPROJECT_ADMIN_UI_URL", Value: "https://" + adminHost(in)},
		{Name: "PROP_ORG_OPENCASTPROJECT_ENGAGE_UI_URL", Value: engage},
		{Name: "PROP_ORG_OPENCASTPROJECT_FILE_REPO_URL", Value: adminNodeURL(in, t)},
	}
	if r.admin {
		// Read by start.sh to let the admin UI log staff in with the ID token the proxy
		// passes on.
		out = append(out,
			corev1.EnvVar{Name: "RATHAUS_OIDC_ISSUER", Value: in.Identity.IssuerURL},
			kit.SecretEnv("RATHAUS_OIDC_CLIENT_ID", stack.OIDCClientSecret(ComponentName), "client-id"),
		)
	}
	// Karaf's start script runs java in the foreground only with KARAF_EXEC=exec, so that
	// the JVM gets SIGTERM and stops its bundles within the grace period.
	out = append(out, corev1.EnvVar{Name: "KARAF_EXEC", Value: "exec"})
	if r.search {
		out = append(out,
			corev1.EnvVar{Name: "ELASTICSEARCH_SERVER_HOST", Value: searchName},
			corev1.EnvVar{Name: "ELASTICSEARCH_SERVER_SCHEME", Value: "http"},
			corev1.EnvVar{Name: "ELASTICSEARCH_SERVER_PORT", Value: fmt.Sprint(searchPort)},
		)
	}
	return out
}

// adminEmail is the sender of Opencast's notifications.
func adminEmail(in stack.Inputs) string { return "opencast@" + in.Workspace.Spec.Domain }

// readOnlyRoot is false: the start script writes the configured properties into
// /opencast/etc as the entrypoint does, and Karaf keeps its bundle cache, logs and instance
// files below /opencast (karaf.data, instances/), next to content the image ships there.
// Everything else of the restricted profile applies: uid 800, no capabilities.
const readOnlyRoot = false

func statefulSet(in stack.Inputs, t topology, r role, image string) *appsv1.StatefulSet {
	health := func(delay, failures int32) *corev1.Probe {
		// /info/health answers without a login; upstream's container health check reads it
		// (rootfs/docker-healthcheck.sh).
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/info/health", Port: intstr.FromString("http")}},
			InitialDelaySeconds: delay, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: kit.Meta(in, ComponentName, nodeName(r)),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(r.replicas),
			ServiceName: nodesService,
			Selector:    &metav1.LabelSelector{MatchLabels: nodeSelector(in, r)},
			// Nodes are independent servers in the registry; none waits for another to start.
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: nodePodLabels(in, r),
					// start.sh runs once per container start; a new script needs new pods.
					Annotations: map[string]string{configHashAnnotation: kit.ShortHash(startScript)},
				},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(uid),
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					// Karaf stops its bundles in order; recordings being written need the time.
					TerminationGracePeriodSeconds: ptr.To[int64](120),
					Containers: []corev1.Container{{
						Name:  "opencast",
						Image: image,
						// Bypasses the entrypoint, which needs root for update-ca-certificates
						// and gosu; start.sh runs its configuration steps as uid 800.
						Command:         []string{"/bin/sh", "/rathaus/start.sh"},
						Env:             env(in, t, r),
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: httpPort, Protocol: corev1.ProtocolTCP}},
						Resources:       r.figures.Requirements(),
						SecurityContext: kit.ContainerSecurity(readOnlyRoot),
						// The first start creates the database schema and the search indexes.
						StartupProbe:   health(30, 60),
						ReadinessProbe: health(0, 3),
						// Not /info/health: it answers 503 for a node an administrator put into
						// maintenance, which must not be restarted for it (opencast RuntimeInfo).
						LivenessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}},
							PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 6,
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "data", MountPath: storageDir},
							{Name: "start", MountPath: "/rathaus", ReadOnly: true},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: dataClaimName}}},
						{Name: "start", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: startConfig}}}},
					},
				},
			},
		},
	}
}

// startScript configures and starts one node without root. It sources the image's own
// configuration functions (scripts/*.sh, which replace the {{VAR}} placeholders of
// etc/custom.properties and the organization config from the environment) instead of the
// entrypoint, which runs update-ca-certificates and gosu and therefore needs root. It runs
// under set -e only, as upstream's entrypoint does: the image's functions read variables
// without defaults that only some roles set (opencast_elasticsearch_configure reads
// ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD and, on workers, ELASTICSEARCH_SERVER_HOST);
// under set -u the script would end before Karaf starts. The organization's URLs are then set
// explicitly: the allinone image's organization config has no placeholders for them (the
// Dockerfile drops the -clustered variant there). Every step is idempotent, and each start
// begins from the image's files, so a restarted container configures the same way.
//
// On the admin node, Opencast logs staff in with the ID token oauth2-proxy passes on as
// Authorization: Bearer. Opencast 20 wires jwtHeaderFilter and jwtLoginHandler in
// etc/security/mh_default_org.xml but leaves the key source commented out and accepts only
// EC and EdDSA signatures; the script points jwksUrl at the issuer's keys, accepts RS256
// (Keycloak's default), binds tokens to the issuer and the media client, names users by
// preferred_username and gives members of the realm's admin group ROLE_ADMIN (opencast docs
// configuration/security.jwt.md). It fails with a message when the file lacks an anchor, rather
// than start without single sign-on. etc/security belongs to root in the image; etc/ is
// uid 800's, so the directory is replaced by a copy (renames need only etc/ writable).
const startScript = `set -e
s="$OPENCAST_SCRIPTS"
. "$s/helper.sh"; . "$s/opencast.sh"; . "$s/elasticsearch.sh"
. "$s/db.sh"; . "$s/jdbc.sh"; . "$s/postgresql.sh"
export ELASTICSEARCH_SERVER_HOST="${ELASTICSEARCH_SERVER_HOST:-}"
export ELASTICSEARCH_USERNAME="${ELASTICSEARCH_USERNAME:-}" ELASTICSEARCH_PASSWORD="${ELASTICSEARCH_PASSWORD:-}"
opencast_opencast_check
if [ -n "$ELASTICSEARCH_SERVER_HOST" ]; then opencast_elasticsearch_check; fi
opencast_db_check
opencast_opencast_configure
opencast_elasticsearch_configure
opencast_db_configure
org="$OPENCAST_HOME/etc/org.opencastproject.organization-mh_default_org.cfg"
setprop() {
  grep -v "^$1=" "$org" > "$org.new" || true
  printf '%s=%s\n' "$1" "$2" >> "$org.new"
  mv "$org.new" "$org"
}
setprop prop.org.opencastproject.admin.ui.url "$PROP_ORG_OPENCASTPROJECT_ADMIN_UI_URL"
setprop prop.org.opencastproject.engage.ui.url "$PROP_ORG_OPENCASTPROJECT_ENGAGE_UI_URL"
setprop prop.org.opencastproject.file.repo.url "$PROP_ORG_OPENCASTPROJECT_FILE_REPO_URL"
if [ -n "${RATHAUS_OIDC_ISSUER:-}" ]; then
  sec="$OPENCAST_HOME/etc/security"
  if [ ! -w "$sec" ]; then
    rm -rf "$sec.image"; mv "$sec" "$sec.image"; mkdir "$sec"; cp -R "$sec.image/." "$sec/"
  fi
  xml="$sec/mh_default_org.xml"
  for anchor in 'name="jwksUrl" value="https://replace-me.invalid' '<util:list id="jwtExpectedAlgorithms"' \
    '<util:list id="jwtClaimConstraints"' '<util:list id="jwtRoleMappings"' "name=\"usernameMapping\" value=\"['sub']\""; do
    if ! grep -qF "$anchor" "$xml"; then
      echo "rathaus: $xml has no $anchor; single sign-on for the admin UI cannot be configured for this image" >&2
      exit 1
    fi
  done
  jwks=$(curl -fsS --retry 12 --retry-delay 5 --retry-connrefused "$RATHAUS_OIDC_ISSUER/.well-known/openid-configuration" | jq -er .jwks_uri)
  jwks=$(printf '%s' "$jwks" | sed 's/[&|\\]/\\&/g')
  issuer=$(printf '%s' "$RATHAUS_OIDC_ISSUER" | sed 's/[&|\\]/\\&/g')
  sed -e "s|<!-- *<property name=\"jwksUrl\" value=\"https://replace-me.invalid[^\"]*\" */> *-->|<property name=\"jwksUrl\" value=\"$jwks\" />|" \
    -e "s|\(<util:list id=\"jwtExpectedAlgorithms\"[^>]*>\)|\1<value>RS256</value>|" \
    -e "s|\(<util:list id=\"jwtClaimConstraints\"[^>]*>\)|\1<value>['iss'] eq '$issuer'</value><value>['aud'].contains('$RATHAUS_OIDC_CLIENT_ID')</value>|" \
    -e "s|\(<util:list id=\"jwtRoleMappings\"[^>]*>\)|\1<value>(['groups'] != null and ['groups'].contains('admin')) ? 'ROLE_ADMIN' : 'ROLE_JWT_USER'</value>|" \
    -e "s|\(name=\"usernameMapping\" value=\"\)\['sub'\]|\1['preferred_username']|" \
    "$xml" > "$xml.new"
  mv "$xml.new" "$xml"
fi
opencast_db_trytoconnect
if [ -n "$ELASTICSEARCH_SERVER_HOST" ]; then opencast_elasticsearch_trytoconnect; fi
rm -f "$OPENCAST_HOME/data/pid" "$OPENCAST_HOME/instances/instance.properties"
exec bin/start-opencast daemon
`
