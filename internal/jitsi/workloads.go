package jitsi

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

const (
	// uid and gid of the s6 user every image runs as since stable-11146 (docker-jitsi-meet
	// base/Dockerfile "adduser ... s6" and "USER s6"; PR #2258 "Rootless containers").
	uid = 1000
	// uid and gid of the deno user of the adapter's base image (denoland/deno_docker
	// debian.dockerfile "useradd --uid 1993"; jitsi-oidc-adapter Dockerfile "USER deno").
	adapterUID = 1993

	webPort        = 8000 // unprivileged since stable-11146 (web/Dockerfile EXPOSE 8000 8443)
	webServicePort = 80
	c2sPort        = 5222
	boshPort       = 5280 // BOSH, XMPP WebSocket and /health (prosody.cfg.lua http_ports)
	jicofoRESTPort = 8888
	jvbHTTPPort    = 8080 // the bridge's private HTTP server (jvb.conf http-servers.private)
	adapterPort    = 9000

	// configHashAnnotation rolls the web pods when the nginx snippet changes: it is mounted
	// by subPath and copied at start (web scripts/config), so a running pod never sees a change.
	configHashAnnotation = "rathaus.io/config-hash"
)

// The internal XMPP domains: names inside the XMPP protocol, never looked up in DNS and never
// shown to users. They are upstream's defaults (docker-jitsi-meet prosody/rootfs/defaults/
// conf.d/jitsi-meet.cfg.lua, jicofo.conf, jvb.conf, web system-config.js) and every container
// gets the same set, so that they agree.
const (
	xmppDomain            = "meet.jitsi"
	xmppAuthDomain        = "auth.meet.jitsi"
	xmppMUCDomain         = "muc.meet.jitsi"
	xmppInternalMUCDomain = "internal-muc.meet.jitsi"
	xmppGuestDomain       = "guest.meet.jitsi"
	xmppHiddenDomain      = "hidden.meet.jitsi"
)

// xmppEnv is the XMPP setting every container gets. XMPP_SERVER is a DNS name: the prosody
// Service, which the JVMs of jicofo and the bridge resolve with the search domains.
func xmppEnv() []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "XMPP_DOMAIN", Value: xmppDomain},
		{Name: "XMPP_AUTH_DOMAIN", Value: xmppAuthDomain},
		{Name: "XMPP_MUC_DOMAIN", Value: xmppMUCDomain},
		{Name: "XMPP_INTERNAL_MUC_DOMAIN", Value: xmppInternalMUCDomain},
		{Name: "XMPP_GUEST_DOMAIN", Value: xmppGuestDomain},
		{Name: "XMPP_HIDDEN_DOMAIN", Value: xmppHiddenDomain},
		{Name: "XMPP_SERVER", Value: prosodyName},
		{Name: "XMPP_PORT", Value: fmt.Sprint(c2sPort)},
	}
}

// s6Env lets s6-overlay start on /run, which is an emptyDir that Kubernetes creates
// world-writable (jitsi-helm templates/configmap.yaml).
var s6Env = corev1.EnvVar{Name: "S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES", Value: "1"}

func boolEnv(name string, v bool) corev1.EnvVar {
	if v {
		return corev1.EnvVar{Name: name, Value: "1"}
	}
	return corev1.EnvVar{Name: name, Value: "0"}
}

type tierFigures struct {
	webReplicas               int32
	web, prosody, jicofo, jvb kit.Figures
	// The JVMs' heaps: both start scripts default to -Xmx3072m (jitsi-videobridge
	// resources/jvb.sh VIDEOBRIDGE_MAX_MEMORY, jicofo resources/jicofo.sh JICOFO_MAX_MEMORY),
	// above the smaller limits here. About 70% of the limit leaves room for direct buffers.
	jicofoHeap, jvbHeap string
}

// figures per size tier. Only web scales out: one prosody and one jicofo serve a shard, and
// one bridge per media Service port (see mediaService). A single bridge carries the tier's
// concurrent meetings; the tiers grow it vertically.
var figures = map[rathausv1alpha1.SizeTier]tierFigures{
	rathausv1alpha1.SizeS: {
		webReplicas: 1,
		web:         kit.Figures{Requests: [2]string{"50m", "64Mi"}, Limits: [2]string{"500m", "256Mi"}},
		prosody:     kit.Figures{Requests: [2]string{"100m", "128Mi"}, Limits: [2]string{"1", "512Mi"}},
		jicofo:      kit.Figures{Requests: [2]string{"100m", "512Mi"}, Limits: [2]string{"1", "1Gi"}},
		jvb:         kit.Figures{Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}},
		jicofoHeap:  "700m", jvbHeap: "1400m",
	},
	rathausv1alpha1.SizeM: {
		webReplicas: 1,
		web:         kit.Figures{Requests: [2]string{"100m", "128Mi"}, Limits: [2]string{"1", "256Mi"}},
		prosody:     kit.Figures{Requests: [2]string{"250m", "256Mi"}, Limits: [2]string{"1", "1Gi"}},
		jicofo:      kit.Figures{Requests: [2]string{"200m", "768Mi"}, Limits: [2]string{"1", "1536Mi"}},
		jvb:         kit.Figures{Requests: [2]string{"1", "2Gi"}, Limits: [2]string{"4", "3Gi"}},
		jicofoHeap:  "1050m", jvbHeap: "2100m",
	},
	rathausv1alpha1.SizeL: {
		webReplicas: 2,
		web:         kit.Figures{Requests: [2]string{"100m", "128Mi"}, Limits: [2]string{"1", "512Mi"}},
		prosody:     kit.Figures{Requests: [2]string{"500m", "512Mi"}, Limits: [2]string{"2", "2Gi"}},
		jicofo:      kit.Figures{Requests: [2]string{"500m", "1Gi"}, Limits: [2]string{"2", "2Gi"}},
		jvb:         kit.Figures{Requests: [2]string{"2", "3Gi"}, Limits: [2]string{"8", "5Gi"}},
		jicofoHeap:  "1400m", jvbHeap: "3500m",
	},
	rathausv1alpha1.SizeXL: {
		webReplicas: 3,
		web:         kit.Figures{Requests: [2]string{"250m", "256Mi"}, Limits: [2]string{"2", "512Mi"}},
		prosody:     kit.Figures{Requests: [2]string{"1", "1Gi"}, Limits: [2]string{"2", "2Gi"}},
		jicofo:      kit.Figures{Requests: [2]string{"1", "2Gi"}, Limits: [2]string{"2", "3Gi"}},
		jvb:         kit.Figures{Requests: [2]string{"4", "6Gi"}, Limits: [2]string{"12", "8Gi"}},
		jicofoHeap:  "2100m", jvbHeap: "5600m",
	},
}

// adapterResources: a small Deno server, the same at every tier.
var adapterResources = kit.Figures{Requests: [2]string{"10m", "64Mi"}, Limits: [2]string{"200m", "256Mi"}}

// Writable paths under the read-only root: s6-overlay's state and every service's rendered
// config live in /run (base/Dockerfile S6_READ_ONLY_ROOT=1; scripts/config writes
// /run/<service>/config), and /tmp, as compose mounts them (docker-compose.yml tmpfs).
// /config, the images' input directory, stays read-only. Both are small, as upstream's
// compose (tmpfs size=16M) and jitsi-helm (emptyDir.sizeLimit 16Mi) have them, with some room:
// the JVMs write heap dumps to /tmp (jicofo.sh, jvb.sh -XX:HeapDumpPath=/tmp), which must
// not fill the node.
func runAndTmp() ([]corev1.Volume, []corev1.VolumeMount) {
	return []corev1.Volume{kit.SmallEmptyDir("run", "32Mi"), kit.SmallEmptyDir("tmp", "64Mi")},
		[]corev1.VolumeMount{{Name: "run", MountPath: "/run"}, {Name: "tmp", MountPath: "/tmp"}}
}

func probe(h corev1.ProbeHandler, period, failures int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: h, PeriodSeconds: period, TimeoutSeconds: 5, FailureThreshold: failures}
}

func httpGet(path, port string) corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)}}
}

// podSpec is what all four pods share: the restricted profile as uid 1000, no API token (none
// of them talks to Kubernetes) and no service links, whose *_PORT variables would otherwise
// land in the environment the images template their configuration from.
func podSpec(containers []corev1.Container, volumes []corev1.Volume) corev1.PodSpec {
	return corev1.PodSpec{
		SecurityContext:              kit.PodSecurity(uid),
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		Containers:                   containers,
		Volumes:                      volumes,
	}
}

func deployment(in stack.Inputs, name, app string, replicas int32, strategy appsv1.DeploymentStrategyType, podLabels map[string]string, annotations map[string]string, spec corev1.PodSpec) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: kit.Meta(in, ComponentName, name),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: kit.PodLabels(in, app)},
			Strategy: appsv1.DeploymentStrategy{Type: strategy},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
				Spec:       spec,
			},
		},
	}
}

// webDeployment serves the Jitsi Meet app and proxies BOSH and the XMPP WebSocket to prosody,
// so browsers reach signalling only through the web host. With single sign-on the adapter
// runs beside nginx and nginx proxies /oidc/ to it over the pod's loopback.
func webDeployment(in stack.Inputs, imgs imageSet, h string, f tierFigures) *appsv1.Deployment {
	labels := kit.PodLabels(in, WebImage)
	labels[tenant.WebLabel] = "true"
	volumes, mounts := runAndTmp()
	env := append(xmppEnv(),
		corev1.EnvVar{Name: "PUBLIC_URL", Value: "https://" + h},
		// TLS ends at the ingress controller. Only 8000 listens then, and no /storage volume
		// for keys is needed (web scripts/config).
		corev1.EnvVar{Name: "DISABLE_HTTPS", Value: "1"},
		// nginx's proxy_pass to BOSH and the XMPP WebSocket carries variables, so nginx
		// resolves the name at request time with its own resolver, which ignores the search
		// domains of /etc/resolv.conf (docker-jitsi-meet web/rootfs/defaults/meet.conf, web
		// scripts NGINX_RESOLVER; jitsi-helm _helpers.tpl builds the same FQDN from
		// global.clusterDomain): the name must be complete, in the cluster's own domain.
		corev1.EnvVar{Name: "XMPP_BOSH_URL_BASE", Value: fmt.Sprintf("http://%s:%d", in.ServiceFQDN(prosodyName), boshPort)},
		// Upstream's default, spelled out: jitsi-helm turns it off, and clients would fall back
		// to BOSH long polling.
		boolEnv("ENABLE_XMPP_WEBSOCKET", true),
		s6Env,
	)
	var annotations map[string]string
	if sso(in) {
		env = append(env,
			boolEnv("ENABLE_AUTH", true),
			// Guests join as anonymous users of the guest domain (system-config.js
			// anonymousdomain) once a signed-in host has opened the room.
			boolEnv("ENABLE_GUESTS", true),
			// The login button sends the browser to the adapter (settings-config.js
			// tokenAuthUrl; jitsi-oidc-adapter docs/setup-docker.md §2.2).
			corev1.EnvVar{Name: "TOKEN_AUTH_URL", Value: "https://" + h + "/oidc/auth?state={state}"},
		)
		mounts = append(mounts, corev1.VolumeMount{Name: "oidc-nginx", MountPath: "/config/nginx-custom/oidc.conf", SubPath: "oidc.conf", ReadOnly: true})
		volumes = append(volumes, corev1.Volume{Name: "oidc-nginx", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: oidcConfig},
		}}})
		annotations = map[string]string{configHashAnnotation: kit.ShortHash(oidcLocation)}
	} else {
		env = append(env, boolEnv("ENABLE_AUTH", false))
	}
	root := httpGet("/", "http")
	containers := []corev1.Container{{
		Name:            "web",
		Image:           imgs.web,
		Env:             env,
		Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: webPort, Protocol: corev1.ProtocolTCP}},
		Resources:       f.web.Requirements(),
		SecurityContext: kit.ContainerSecurity(true),
		ReadinessProbe:  probe(root, 10, 3),
		LivenessProbe:   probe(root, 10, 6),
		VolumeMounts:    mounts,
	}}
	if sso(in) {
		containers = append(containers, adapterContainer(in, imgs.adapter))
		volumes = append(volumes, kit.EmptyDir("oidc-tmp"))
	}
	return deployment(in, webName, WebImage, f.webReplicas, appsv1.RollingUpdateDeploymentStrategyType, labels, annotations, podSpec(containers, volumes))
}

// oidcLocation is added to nginx's server block: meet.conf includes
// /run/web/config/nginx-custom/*.conf, which the config script copies from /config
// (docker-jitsi-meet web/rootfs/defaults/meet.conf, web scripts/config). The ^~ prefix wins
// over meet.conf's regex locations for room names. The adapter builds its redirect URI from
// the Host header (jitsi-oidc-adapter src/adapter.ts), so nginx passes the public host on.
var oidcLocation = fmt.Sprintf(`location ^~ /oidc/ {
    proxy_pass http://127.0.0.1:%d;
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $remote_addr;
}
`, adapterPort)

func oidcConfigMap(in stack.Inputs) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: kit.Meta(in, ComponentName, oidcConfig),
		Data:       map[string]string{"oidc.conf": oidcLocation},
	}
}

// adapterContainer runs jitsi-oidc-adapter: it sends users to the issuer, and turns the code
// they come back with into a JWT for the room, signed with the key prosody verifies
// (jitsi-oidc-adapter docs/setup-docker.md §1, src/config.ts).
func adapterContainer(in stack.Inputs, image string) corev1.Container {
	oidcClient := stack.OIDCClientSecret(ComponentName)
	sc := kit.ContainerSecurity(true) // it only reads its module cache, baked into /deno-dir
	sc.RunAsUser, sc.RunAsGroup = ptr.To[int64](adapterUID), ptr.To[int64](adapterUID)
	health := httpGet("/health", "oidc")
	return corev1.Container{
		Name:  "oidc-adapter",
		Image: image,
		Env: []corev1.EnvVar{
			{Name: "OIDC_ISSUER_URL", Value: in.Identity.IssuerURL},
			kit.SecretEnv("OIDC_CLIENT_ID", oidcClient, "client-id"),
			kit.SecretEnv("OIDC_CLIENT_SECRET", oidcClient, "client-secret"),
			{Name: "JWT_APP_ID", Value: jwtAppID},
			kit.SecretEnv("JWT_APP_SECRET", jwtSecret, "secret"),
			// The server binds $HOSTNAME:$PORT (src/config.ts). Container runtimes may set
			// HOSTNAME to the pod's name; set it here so the server listens on every address:
			// nginx reaches it on 127.0.0.1, the kubelet's probes on the pod's address.
			{Name: "HOSTNAME", Value: "0.0.0.0"},
			{Name: "PORT", Value: fmt.Sprint(adapterPort)},
		},
		Ports:           []corev1.ContainerPort{{Name: "oidc", ContainerPort: adapterPort, Protocol: corev1.ProtocolTCP}},
		Resources:       adapterResources.Requirements(),
		SecurityContext: sc,
		ReadinessProbe:  probe(health, 10, 3),
		LivenessProbe:   probe(health, 10, 6),
		VolumeMounts:    []corev1.VolumeMount{{Name: "oidc-tmp", MountPath: "/tmp"}},
	}
}

func prosodyService(in stack.Inputs) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: kit.Meta(in, ComponentName, prosodyName),
		Spec: corev1.ServiceSpec{
			Selector: kit.PodLabels(in, ProsodyImage),
			Ports: []corev1.ServicePort{
				{Name: "xmpp", Port: c2sPort, TargetPort: intstr.FromString("xmpp"), Protocol: corev1.ProtocolTCP},
				{Name: "http", Port: boshPort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
			},
		},
	}
}

// prosodyDeployment is the XMPP server. A Deployment with an emptyDir at /var/lib/prosody,
// not a StatefulSet with a volume: no user accounts live in prosody (users sign in with JWTs
// or join anonymously), rooms live in memory, and the focus and jvb accounts are registered
// from the generated Secrets after every start (prosody scripts/register-setup). A fresh data
// directory even avoids upstream's stale-password trap, where registration only creates users
// and a kept account keeps its old password (docker-jitsi-meet#239).
func prosodyDeployment(in stack.Inputs, image string, f tierFigures) *appsv1.Deployment {
	volumes, mounts := runAndTmp()
	volumes = append(volumes, kit.EmptyDir("data"))
	mounts = append(mounts, corev1.VolumeMount{Name: "data", MountPath: "/var/lib/prosody"})
	v := in.Workspace.Spec.Services.Video
	env := append(xmppEnv(),
		kit.SecretEnv("JICOFO_AUTH_PASSWORD", jicofoSecret, "password"),
		kit.SecretEnv("JVB_AUTH_PASSWORD", jvbSecret, "password"),
		boolEnv("ENABLE_XMPP_WEBSOCKET", true),
		s6Env,
	)
	if sso(in) {
		// Signed-in users present the adapter's JWT; guests join the guest domain without
		// one and wait in the lobby until a signed-in host is in the room
		// (jitsi-meet.cfg.lua VirtualHost blocks; jitsi-oidc-adapter docs/setup-docker.md
		// §2.2 and §2.3).
		env = append(env,
			boolEnv("ENABLE_AUTH", true),
			corev1.EnvVar{Name: "AUTH_TYPE", Value: "jwt"},
			boolEnv("ENABLE_GUESTS", true),
			corev1.EnvVar{Name: "JWT_APP_ID", Value: jwtAppID},
			kit.SecretEnv("JWT_APP_SECRET", jwtSecret, "secret"),
			corev1.EnvVar{Name: "XMPP_MODULES", Value: "persistent_lobby"},
			corev1.EnvVar{Name: "XMPP_MUC_MODULES", Value: "muc_wait_for_host"},
		)
	} else {
		// Anyone with the link opens and joins rooms (authentication "jitsi-anonymous").
		env = append(env, boolEnv("ENABLE_AUTH", false))
	}
	if v.MaxParticipants > 0 {
		// Enables muc_max_occupants on the conference and lobby rooms, focus exempted
		// (jitsi-meet.cfg.lua, MAX_PARTICIPANTS).
		env = append(env, corev1.EnvVar{Name: "MAX_PARTICIPANTS", Value: fmt.Sprint(v.MaxParticipants)})
	}
	// The image's healthcheck asks mod_http_health on 127.0.0.1. An httpGet on /health would
	// come from the node and get 403 (mod_http_health answers only loopback by default).
	health := corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/usr/local/bin/healthcheck.sh"}}}
	spec := podSpec([]corev1.Container{{
		Name:  "prosody",
		Image: image,
		Env:   env,
		Ports: []corev1.ContainerPort{
			{Name: "xmpp", ContainerPort: c2sPort, Protocol: corev1.ProtocolTCP},
			{Name: "http", ContainerPort: boshPort, Protocol: corev1.ProtocolTCP},
		},
		Resources:       f.prosody.Requirements(),
		SecurityContext: kit.ContainerSecurity(true),
		StartupProbe:    probe(health, 5, 24),
		ReadinessProbe:  probe(health, 10, 3),
		LivenessProbe:   probe(health, 10, 6),
		VolumeMounts:    mounts,
	}}, volumes)
	// Recreate: two prosody servers at once would split jicofo and the bridge between them.
	return deployment(in, prosodyName, ProsodyImage, 1, appsv1.RecreateDeploymentStrategyType, kit.PodLabels(in, ProsodyImage), nil, spec)
}

// jicofoDeployment is the conference focus: exactly one per prosody.
func jicofoDeployment(in stack.Inputs, image string, f tierFigures) *appsv1.Deployment {
	volumes, mounts := runAndTmp()
	env := append(xmppEnv(),
		kit.SecretEnv("JICOFO_AUTH_PASSWORD", jicofoSecret, "password"),
		// Jicofo's own authentication stays off in both modes: with JWTs prosody checks the
		// tokens (jitsi-oidc-adapter docs/setup-docker.md §2.2 "JICOFO_ENABLE_AUTH=false").
		boolEnv("JICOFO_ENABLE_AUTH", false),
		// Binds the REST API to 0.0.0.0 instead of 127.0.0.1 so the kubelet can probe it
		// (jicofo.conf rest.host).
		boolEnv("JICOFO_ENABLE_REST", true),
		corev1.EnvVar{Name: "JICOFO_MAX_MEMORY", Value: f.jicofoHeap},
		s6Env,
	)
	// A TCP probe, not /about/health: jicofo reports itself unhealthy while no bridge is
	// connected (jicofo JicofoHealthChecker "No operational bridges available"), which is the
	// case while the bridge waits for its address, and a liveness probe would restart it in a
	// loop (jitsi-helm probes the same way).
	rest := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}}
	spec := podSpec([]corev1.Container{{
		Name:            "jicofo",
		Image:           image,
		Env:             env,
		Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: jicofoRESTPort, Protocol: corev1.ProtocolTCP}},
		Resources:       f.jicofo.Requirements(),
		SecurityContext: kit.ContainerSecurity(true),
		StartupProbe:    probe(rest, 5, 24),
		ReadinessProbe:  probe(rest, 10, 3),
		LivenessProbe:   probe(rest, 10, 6),
		VolumeMounts:    mounts,
	}}, volumes)
	// Recreate: two focuses would both try to run every conference.
	return deployment(in, jicofoName, JicofoImage, 1, appsv1.RecreateDeploymentStrategyType, kit.PodLabels(in, JicofoImage), nil, spec)
}
