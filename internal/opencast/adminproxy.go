package opencast

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/web"
)

const (
	proxyName = "rathaus-opencast-admin-proxy"
	proxyApp  = "oauth2-proxy"
	// proxyPort is oauth2-proxy's default --http-address (127.0.0.1:4180), bound to all
	// addresses here.
	proxyPort = 4180
	// proxyUID is the nonroot user of the distroless base image the release images are
	// built on (oauth2-proxy Dockerfile, gcr.io/distroless/static:nonroot, uid 65532).
	proxyUID = 65532
)

// renderAdminProxy puts oauth2-proxy in front of the admin UI on the admin host: only users
// of the workspace's identity provider, the municipality's staff, get through to Opencast.
func renderAdminProxy(in stack.Inputs, t topology) ([]client.Object, error) {
	image, err := in.Image(ProxyImage)
	if err != nil {
		return nil, err
	}
	selector := kit.PodLabels(in, proxyApp)
	return []client.Object{
		proxyDeployment(in, t, image),
		web.Service(in, ComponentName, proxyName, selector, proxyPort),
		web.Route(in, ComponentName, proxyName, adminHost(in), proxyName, proxyPort),
	}, nil
}

func proxyDeployment(in stack.Inputs, t topology, image string) *appsv1.Deployment {
	labels := kit.PodLabels(in, proxyApp)
	labels[tenant.WebLabel] = "true"
	oidc := stack.OIDCClientSecret(ComponentName)
	probe := func(path string) *corev1.Probe {
		// /ping answers 200 while the process runs, /ready once it can serve
		// (oauth2-proxy docs, "Endpoints").
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}},
			PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3,
		}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: kit.Meta(in, ComponentName, proxyName),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: kit.PodLabels(in, proxyApp)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(proxyUID),
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					Containers: []corev1.Container{{
						Name:  "oauth2-proxy",
						Image: image,
						// Every flag has an OAUTH2_PROXY_ variable of the same name.
						Env: []corev1.EnvVar{
							{Name: "OAUTH2_PROXY_PROVIDER", Value: "oidc"},
							{Name: "OAUTH2_PROXY_OIDC_ISSUER_URL", Value: in.Identity.IssuerURL},
							kit.SecretEnv("OAUTH2_PROXY_CLIENT_ID", oidc, "client-id"),
							kit.SecretEnv("OAUTH2_PROXY_CLIENT_SECRET", oidc, "client-secret"),
							kit.SecretEnv("OAUTH2_PROXY_COOKIE_SECRET", cookieSecret, "cookie-secret"),
							{Name: "OAUTH2_PROXY_CODE_CHALLENGE_METHOD", Value: "S256"},
							{Name: "OAUTH2_PROXY_REDIRECT_URL", Value: "https://" + adminHost(in) + "/oauth2/callback"},
							{Name: "OAUTH2_PROXY_HTTP_ADDRESS", Value: fmt.Sprintf("0.0.0.0:%d", proxyPort)},
							{Name: "OAUTH2_PROXY_UPSTREAMS", Value: adminNodeURL(in, t) + "/"},
							// Every account of the workspace's realm is the municipality's staff;
							// Opencast's own roles decide what each may do.
							{Name: "OAUTH2_PROXY_EMAIL_DOMAINS", Value: "*"},
							{Name: "OAUTH2_PROXY_COOKIE_SECURE", Value: "true"},
							{Name: "OAUTH2_PROXY_COOKIE_NAME", Value: "_rathaus_media_admin"},
							{Name: "OAUTH2_PROXY_REVERSE_PROXY", Value: "true"},
							{Name: "OAUTH2_PROXY_SKIP_PROVIDER_BUTTON", Value: "true"},
							// The upstream sees who logged in, for its audit log.
							{Name: "OAUTH2_PROXY_PASS_USER_HEADERS", Value: "true"},
							// Opencast logs users in from the ID token, Authorization: Bearer,
							// which its jwtHeaderFilter reads (opencast etc/security/
							// mh_default_org.xml; oauth2-proxy --pass-authorization-header). The
							// proxy strips any Authorization header a client sends
							// (--skip-auth-strip-headers, default true).
							{Name: "OAUTH2_PROXY_PASS_AUTHORIZATION_HEADER", Value: "true"},
							// Opencast rejects an expired token; refreshing below the issuer's
							// token lifetime (Keycloak: 5 minutes) keeps a fresh one flowing, and
							// an account disabled at the issuer loses the admin UI within minutes.
							{Name: "OAUTH2_PROXY_COOKIE_REFRESH", Value: "4m"},
							// Without it oauth2-proxy answers 500 at the callback to every user
							// whose e-mail the issuer has not verified (v7.12.0 default). Access
							// does not depend on the address (EMAIL_DOMAINS is *), and Opencast
							// identifies users by preferred_username, not by e-mail.
							{Name: "OAUTH2_PROXY_INSECURE_OIDC_ALLOW_UNVERIFIED_EMAIL", Value: "true"},
						},
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: proxyPort, Protocol: corev1.ProtocolTCP}},
						Resources:       t.proxy.Requirements(),
						SecurityContext: kit.ContainerSecurity(true),
						ReadinessProbe:  probe("/ready"),
						LivenessProbe:   probe("/ping"),
					}},
				},
			},
		},
	}
}
