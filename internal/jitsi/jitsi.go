// Package jitsi renders the video service: Jitsi Meet from the rootless docker-jitsi-meet
// images (web, prosody, jicofo, jvb) and, unless rooms are public, the jitsi-oidc-adapter that
// turns the workspace's single sign-on into the JWTs prosody accepts.
//
// Upstream contract, read from jitsi/docker-jitsi-meet at stable-11146-2 (*/rootfs/defaults,
// */rootfs/etc/s6-overlay/scripts, docker-compose.yml), jitsi-contrib/jitsi-helm v3.4.0
// (values.yaml, templates/*, docs/guides/exposing.md and security.md) and
// jitsi-contrib/jitsi-oidc-adapter (docs/setup-docker.md, src/config.ts, Dockerfile).
package jitsi

import (
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/netpol"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	ComponentName = rathausv1alpha1.ServiceVideo

	// Release component names of the images.
	WebImage     = "jitsi-web"
	ProsodyImage = "jitsi-prosody"
	JicofoImage  = "jitsi-jicofo"
	JVBImage     = "jitsi-jvb"
	AdapterImage = "jitsi-oidc-adapter"

	webName     = "rathaus-jitsi-web"
	prosodyName = "rathaus-jitsi-prosody"
	jicofoName  = "rathaus-jitsi-jicofo"
	jvbName     = "rathaus-jitsi-jvb"
	// MediaService carries the bridge's UDP media from participants into the cluster.
	MediaService = "rathaus-jvb-media"
	oidcConfig   = "rathaus-jitsi-web-oidc"

	// Generated credentials, each in its own Secret so that a pod reads only what it needs.
	jicofoSecret = "rathaus-jitsi-jicofo" // focus@auth.meet.jitsi: prosody registers it, jicofo logs in
	jvbSecret    = "rathaus-jitsi-jvb"    // jvb@auth.meet.jitsi: prosody registers it, the bridge logs in
	jwtSecret    = "rathaus-jitsi-jwt"    // HS256 key shared by the adapter (signs) and prosody (verifies)
	// jwtAppID is the JWTs' issuer and audience (the adapter sets both to JWT_APP_ID,
	// jitsi-oidc-adapter src/adapter.ts generateJwt) and prosody's app_id.
	jwtAppID = "rathaus"
)

// ErrNoIdentity is returned by Render when rooms are not public and the workspace has no
// single sign-on: nobody could sign in to open a room.
var ErrNoIdentity = errors.New("video needs single sign-on unless publicRooms is true")

// Component is the video service.
type Component struct{ web.Routed }

var (
	_ stack.Service     = Component{}
	_ stack.SecretOwner = Component{}
	_ stack.Pender      = Component{}
	_ stack.OIDCUser    = Component{}
)

// Name implements stack.Component.
func (Component) Name() string { return ComponentName }

// ConditionType implements stack.Conditioned.
func (Component) ConditionType() string { return "VideoReady" }

func enabled(in stack.Inputs) bool { return in.Workspace.Spec.Services.Video.Enabled }

// PublicServices implements stack.Exposed: the bridge's one media port.
func (Component) PublicServices(in stack.Inputs) stack.PublicServices {
	if !enabled(in) {
		return stack.PublicServices{}
	}
	return kit.PublicPorts(mediaService(in, plan(in)).Spec.Type, 1)
}

// sso reports whether opening a room needs the workspace's single sign-on.
func sso(in stack.Inputs) bool { return !in.Workspace.Spec.Services.Video.PublicRooms }

func host(in stack.Inputs) string {
	return in.Workspace.ServiceHost(in.Workspace.Spec.Services.Video.ServiceSwitch, "meet")
}

// Endpoint implements stack.Service.
func (Component) Endpoint(in stack.Inputs) (string, string, bool) {
	return ComponentName, "https://" + host(in), enabled(in)
}

// Version implements stack.Service: the Jitsi Meet release tag of the web image, e.g.
// stable-11146-2 (all four images share one tag per release).
func (Component) Version(in stack.Inputs) string {
	c, err := images.Find(in.Release, WebImage)
	if err != nil {
		return ""
	}
	return c.Version
}

// OIDCClient implements stack.OIDCUser: the adapter's callback
// (jitsi-contrib/jitsi-oidc-adapter docs/setup-docker.md, /oidc/tokenize). Public rooms need
// no client.
func (Component) OIDCClient(in stack.Inputs) (stack.OIDCClient, bool) {
	base := "https://" + host(in)
	return stack.OIDCClient{
		Service:      ComponentName,
		RedirectURIs: []string{base + "/oidc/tokenize"},
		WebOrigins:   []string{base},
	}, enabled(in) && sso(in)
}

// Secrets implements stack.SecretOwner. Prosody refuses to start without either component
// password (docker-jitsi-meet prosody/rootfs/etc/s6-overlay/scripts/config, "FATAL ERROR").
func (Component) Secrets(in stack.Inputs) []secrets.Spec {
	if !enabled(in) {
		return nil
	}
	specs := []secrets.Spec{
		{Name: jicofoSecret, Keys: []secrets.Key{secrets.Password("password")}},
		{Name: jvbSecret, Keys: []secrets.Key{secrets.Password("password")}},
	}
	if sso(in) {
		specs = append(specs, secrets.Spec{Name: jwtSecret, Keys: []secrets.Key{secrets.Password("secret")}})
	}
	return specs
}

// Pending implements stack.Pender: the bridge cannot run until the address or port clients
// must send media to is known.
func (Component) Pending(in stack.Inputs) string {
	if !enabled(in) {
		return ""
	}
	return plan(in).waitingFor
}

type imageSet struct{ web, prosody, jicofo, jvb, adapter string }

func resolveImages(in stack.Inputs) (imageSet, error) {
	var err error
	get := func(component string) string {
		if err != nil {
			return ""
		}
		var ref string
		ref, err = in.Image(component)
		return ref
	}
	s := imageSet{web: get(WebImage), prosody: get(ProsodyImage), jicofo: get(JicofoImage), jvb: get(JVBImage)}
	if sso(in) {
		s.adapter = get(AdapterImage)
	}
	return s, err
}

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	if !enabled(in) {
		return nil, nil
	}
	if sso(in) && in.Identity == nil {
		return nil, ErrNoIdentity
	}
	imgs, err := resolveImages(in)
	if err != nil {
		return nil, err
	}
	f := figures[in.Size()]
	h := host(in)
	m := plan(in)

	webPods := kit.PodLabels(in, WebImage)
	prosodyPods := kit.PodLabels(in, ProsodyImage)
	var objs []client.Object
	if sso(in) {
		objs = append(objs, oidcConfigMap(in))
	}
	objs = append(objs,
		webDeployment(in, imgs, h, f),
		web.Service(in, ComponentName, webName, webPods, webServicePort),
		web.Route(in, ComponentName, webName, h, webName, webServicePort),
		prosodyService(in),
		prosodyDeployment(in, imgs.prosody, f),
		jicofoDeployment(in, imgs.jicofo, f),
		jvbDeployment(in, imgs.jvb, f, m),
		mediaService(in, m),
		mediaPolicy(in, m),
	)
	// Signalling paths (docker-jitsi-meet web meet.conf XMPP_BOSH_URL_BASE, jicofo.conf
	// xmpp.client, jvb.conf xmpp-client). Jicofo talks to the bridge only through XMPP (the
	// brewery room on prosody), so there is no jicofo-to-jvb path.
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-jitsi-web-prosody", webPods, prosodyPods, netpol.TCP(boshPort))...)
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-jitsi-jicofo-prosody", kit.PodLabels(in, JicofoImage), prosodyPods, netpol.TCP(c2sPort))...)
	objs = append(objs, netpol.Path(in, ComponentName, "rathaus-jitsi-jvb-prosody", kit.PodLabels(in, JVBImage), prosodyPods, netpol.TCP(c2sPort))...)
	if sso(in) {
		// The adapter fetches the issuer's discovery document and exchanges codes for tokens.
		// Pod-level policies cannot tell it from nginx in the same pod.
		objs = append(objs, netpol.ToInternet(in, ComponentName, "rathaus-jitsi-oidc-internet", webPods, in.Identity.Port()))
	}
	return objs, nil
}
