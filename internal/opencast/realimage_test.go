package opencast

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/stack"
)

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

func workload(t *testing.T, objs []client.Object, name string) corev1.PodSpec {
	t.Helper()
	for _, o := range objs {
		switch w := o.(type) {
		case *appsv1.StatefulSet:
			if w.Name == name {
				return w.Spec.Template.Spec
			}
		case *appsv1.Deployment:
			if w.Name == name {
				return w.Spec.Template.Spec
			}
		}
	}
	t.Fatalf("no workload %s", name)
	return corev1.PodSpec{}
}

func egressPorts(objs []client.Object, name string) []int32 {
	var out []int32
	for _, o := range objs {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok && np.Name == name {
			for _, r := range np.Spec.Egress {
				for _, p := range r.Ports {
					out = append(out, p.Port.IntVal)
				}
			}
		}
	}
	return out
}

// TestOpenSearchGetsAnalysisICU: the official image lacks analysis-icu, which Opencast's
// index mappings need. The pod installs it at start, by name (checked against upstream's
// checksum and signature) or from the platform's artifact mirror, instead of failing.
func TestOpenSearchGetsAnalysisICU(t *testing.T) {
	for mirror, want := range map[string]struct {
		source string
		port   int32
	}{
		"":                                     {"analysis-icu", 443},
		"https://artifacts.example.eu:8443/m/": {"https://artifacts.example.eu:8443/m/artifacts.opensearch.org/releases/plugins/analysis-icu/2.19.4/analysis-icu-2.19.4.zip", 8443},
	} {
		objs := renderObjects(t, inputs(func(in *stack.Inputs) { in.Platform.Spec.Artifacts.Mirror = mirror }))
		spec := workload(t, objs, searchName)
		if len(spec.InitContainers) != 0 {
			t.Errorf("mirror %q: init containers %v; nothing may fail for the plugin the image lacks", mirror, spec.InitContainers)
		}
		c := spec.Containers[0]
		if got := envOf(c)["RATHAUS_ICU_PLUGIN"].Value; got != want.source {
			t.Errorf("mirror %q: plugin source %q, want %q", mirror, got, want.source)
		}
		script := strings.Join(c.Command, " ")
		if !strings.Contains(script, `opensearch-plugin install --batch "$RATHAUS_ICU_PLUGIN"`) || !strings.Contains(script, "exec ./opensearch-docker-entrypoint.sh opensearch") {
			t.Errorf("mirror %q: the container does not install the plugin and start the image's entrypoint: %q", mirror, script)
		}
		if got := egressPorts(objs, "rathaus-opensearch-plugins"); !slices.Contains(got, want.port) {
			t.Errorf("mirror %q: egress %v, want %d", mirror, got, want.port)
		}
	}
}

// TestAdminUITrustsTheProxy: the proxy passes the ID token on, accepts users whose e-mail
// is unverified (oauth2-proxy answers 500 to them by default), and the admin node, which
// verifies the token, knows the issuer and the client and may fetch the issuer's keys.
func TestAdminUITrustsTheProxy(t *testing.T) {
	for _, tier := range []func(*stack.Inputs){size("S"), size("L")} {
		in := inputs(tier, rwx, func(in *stack.Inputs) { in.Identity.IssuerURL = "https://login.kiel.de:8443/realms/staff" })
		objs := renderObjects(t, in)
		proxy := envOf(workload(t, objs, proxyName).Containers[0])
		for name, want := range map[string]string{
			"OAUTH2_PROXY_PASS_AUTHORIZATION_HEADER":            "true",
			"OAUTH2_PROXY_INSECURE_OIDC_ALLOW_UNVERIFIED_EMAIL": "true",
			"OAUTH2_PROXY_COOKIE_REFRESH":                       "4m",
		} {
			if proxy[name].Value != want {
				t.Errorf("proxy %s = %q, want %q", name, proxy[name].Value, want)
			}
		}
		admin := envOf(workload(t, objs, nodeName(topologyFor(in).adminRole())).Containers[0])
		if admin["RATHAUS_OIDC_ISSUER"].Value != in.Identity.IssuerURL || admin["RATHAUS_OIDC_CLIENT_ID"].ValueFrom == nil {
			t.Errorf("admin node: issuer %q, client id %v", admin["RATHAUS_OIDC_ISSUER"].Value, admin["RATHAUS_OIDC_CLIENT_ID"].ValueFrom)
		}
		if got := egressPorts(objs, "rathaus-opencast-admin-internet"); !slices.Equal(got, []int32{8443}) {
			t.Errorf("admin node egress %v, want the issuer's port 8443", got)
		}
	}
}

// securityXML holds the JWT parts of Opencast 20's etc/security/mh_default_org.xml that
// startScript edits (opencast etc/security/mh_default_org.xml at 20-SNAPSHOT, 471b643a).
const securityXML = `  <bean id="jwtLoginHandler" class="org.opencastproject.security.jwt.DynamicLoginHandler">
    <!-- <property name="jwksUrl" value="https://replace-me.invalid/.well-known/jwks.json" /> -->
    <property name="usernameMapping" value="['sub']" />
  </bean>
  <util:list id="jwtExpectedAlgorithms" value-type="java.lang.String">
    <value>ES256</value>
  </util:list>
  <util:list id="jwtClaimConstraints" value-type="java.lang.String">
  </util:list>
  <util:list id="jwtRoleMappings" value-type="java.lang.String">
    <value>'ROLE_JWT_USER'</value>
  </util:list>
`

// ssoPart is the single sign-on block of startScript, with the discovery request replaced
// by the issuer's keys URL.
func ssoPart(t *testing.T) string {
	t.Helper()
	start := strings.Index(startScript, `if [ -n "${RATHAUS_OIDC_ISSUER:-}" ]; then`)
	end := strings.Index(startScript[start:], "\nfi\n")
	if start < 0 || end < 0 {
		t.Fatal("startScript has no single sign-on block")
	}
	part := startScript[start : start+end+4]
	discovery := `curl -fsS --retry 12 --retry-delay 5 --retry-connrefused "$RATHAUS_OIDC_ISSUER/.well-known/openid-configuration" | jq -er .jwks_uri`
	if !strings.Contains(part, discovery) {
		t.Fatal("the block no longer reads jwks_uri from the discovery document")
	}
	return strings.Replace(part, discovery, `echo "$RATHAUS_OIDC_ISSUER/protocol/openid-connect/certs"`, 1)
}

// TestStartScriptEnablesJWTLogin runs the single sign-on block of start.sh with sh against
// the JWT section of Opencast 20's security configuration.
func TestStartScriptEnablesJWTLogin(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	run := func(xml string) (string, error) {
		home := t.TempDir()
		sec := filepath.Join(home, "etc", "security")
		if err := os.MkdirAll(sec, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sec, "mh_default_org.xml"), []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh, "-e", "-c", ssoPart(t))
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "OPENCAST_HOME=" + home, "RATHAUS_OIDC_ISSUER=https://id.kiel.de/realms/kiel", "RATHAUS_OIDC_CLIENT_ID=media"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), err
		}
		got, err := os.ReadFile(filepath.Join(sec, "mh_default_org.xml"))
		return string(got), err
	}
	got, err := run(securityXML)
	if err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	for _, want := range []string{
		`<property name="jwksUrl" value="https://id.kiel.de/realms/kiel/protocol/openid-connect/certs" />`,
		`<value>RS256</value>`,
		`<value>['iss'] eq 'https://id.kiel.de/realms/kiel'</value><value>['aud'].contains('media')</value>`,
		`['groups'].contains('admin')) ? 'ROLE_ADMIN'`,
		`name="usernameMapping" value="['preferred_username']"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("edited configuration lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "replace-me.invalid") {
		t.Error("the placeholder key source is still there")
	}
	if out, err := run(strings.Replace(securityXML, "jwtRoleMappings", "otherMappings", 1)); err == nil || !strings.Contains(out, "single sign-on for the admin UI cannot be configured") {
		t.Errorf("a file without the anchors must stop the start with a message; got %v: %s", err, out)
	}
}
