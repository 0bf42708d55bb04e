package conformance

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// samples decodes the platform and the workspaces of config/samples, which 'make demo'
// applies, dated as the API server would date them.
func samples(t *testing.T) (*rathausv1alpha1.WorkspacePlatform, []*rathausv1alpha1.MunicipalityWorkspace) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "config", "samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	created := metav1.NewTime(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	var platform *rathausv1alpha1.WorkspacePlatform
	var workspaces []*rathausv1alpha1.MunicipalityWorkspace
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			switch meta.Kind {
			case "WorkspacePlatform":
				platform = &rathausv1alpha1.WorkspacePlatform{}
				if err := yaml.UnmarshalStrict(doc, platform); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				platform.CreationTimestamp = created
			case "MunicipalityWorkspace":
				ws := &rathausv1alpha1.MunicipalityWorkspace{}
				if err := yaml.UnmarshalStrict(doc, ws); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				ws.CreationTimestamp = created
				workspaces = append(workspaces, ws)
			}
		}
	}
	if platform == nil || platform.Spec.Provider == nil || platform.Spec.Provider.GaiaX == nil || len(workspaces) == 0 {
		t.Fatal("config/samples has no platform with provider.gaiaX, or no workspace")
	}
	return platform, workspaces
}

func pkcs8(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// published renders the samples' rathaus-gaiax ConfigMaps as the demo publishes them: the
// provider's key (as make demo makes it) and a stand-in notary's registration credential.
func published(t *testing.T, key crypto.Signer) map[string]map[string]string {
	t.Helper()
	platform, workspaces := samples(t)
	gx := platform.Spec.Provider.GaiaX
	notaryKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	registration, err := vcjwt.Sign(notaryKey, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: "did:web:notary.demo.invalid#key-1", Iss: "did:web:notary.demo.invalid"},
		loire.StandInRegistration("did:web:notary.demo.invalid", platform.Spec.Provider.RegistrationNumber, "DE", "2026-12-06T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]map[string][]byte{
		stack.RefKey(*gx.SigningKeySecret):             {gaiax.SigningKeyKey: pkcs8(t, key)},
		stack.RefKey(*gx.RegistrationCredentialSecret): {gaiax.RegistrationCredentialKey: []byte(registration)},
	}
	out := map[string]map[string]string{}
	for _, ws := range workspaces {
		in, err := desired.Derive(stack.Inputs{Workspace: ws, Platform: platform, Release: release.BuiltIn(), PlatformSecrets: secrets}, desired.Components)
		if err != nil {
			t.Fatalf("%s: %v", ws.Name, err)
		}
		objs, err := gaiax.Component{}.Render(in)
		if err != nil {
			t.Fatalf("%s: %v", ws.Name, err)
		}
		out[ws.Namespace+"/"+ws.Name] = objs[0].(*corev1.ConfigMap).Data
	}
	return out
}

// TestTheDemosCredentialsConform is issue 19's "done when": the credentials of every sample
// workspace verify with go-jose and satisfy the 25.11 shapes, with either kind of key.
func TestTheDemosCredentialsConform(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for alg, key := range map[string]crypto.Signer{"ES256": ec, "PS256": rsaKey} {
		for ws, data := range published(t, key) {
			report, err := Check(data)
			if err != nil {
				t.Fatalf("%s %s: %v", alg, ws, err)
			}
			if report.Algorithm != alg || len(report.Verified) != 3 || report.Registration == "" {
				t.Errorf("%s %s: %+v", alg, ws, report)
			}
			if len(report.Violations) > 0 {
				t.Errorf("%s %s violates the 25.11 shapes:\n%s", alg, ws, strings.Join(report.Violations, "\n"))
			}
		}
	}
}

// TestCheckRefuses proves Check can fail: each change is one a forger or a broken signer
// would make.
func TestCheckRefuses(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var data map[string]string
	for _, d := range published(t, ec) {
		data = d
		break
	}
	otherKey := published(t, other)
	var otherData map[string]string
	for _, d := range otherKey {
		otherData = d
		break
	}
	tamper := func(compact, from, to string) string {
		parts := strings.Split(compact, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		changed := strings.Replace(string(payload), from, to, 1)
		if changed == string(payload) {
			t.Fatalf("%q is not in the payload", from)
		}
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(changed)) + "." + parts[2]
	}
	cases := map[string]func(d map[string]string){
		"a tampered offering": func(d map[string]string) {
			d[gaiax.ServiceOfferingJWTKey] = tamper(d[gaiax.ServiceOfferingJWTKey], "GDPR2016", "CCPA2018")
		},
		"another key in the DID document": func(d map[string]string) { d[gaiax.DIDKeyKey] = otherData[gaiax.DIDKeyKey] },
		"a presentation of other credentials": func(d map[string]string) {
			d[gaiax.PresentationKey] = otherData[gaiax.PresentationKey]
		},
		"a credential signed by another key": func(d map[string]string) { d[gaiax.IssuerKey] = otherData[gaiax.IssuerKey] },
		"no DID key":                         func(d map[string]string) { delete(d, gaiax.DIDKeyKey) },
		"a presentation, rightly signed, without the offering": func(d map[string]string) {
			_, payload, err := vcjwt.Verify(d[gaiax.PresentationKey], &ec.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			var vp struct {
				Credentials []any `json:"verifiableCredential"`
			}
			_ = json.Unmarshal(payload, &vp)
			registration, _ := vcjwt.Unenveloped(vp.Credentials[1])
			issuer := "did:web:rechenzentrum-nord.example"
			d[gaiax.PresentationKey], err = vcjwt.Sign(ec, vcjwt.Header{Typ: vcjwt.TypePresentation, Cty: vcjwt.ContentPresent, Kid: issuer + "#key-1", Iss: issuer},
				vcjwt.Presentation("urn:p", issuer, "2026-12-06T09:00:00Z", d[gaiax.LegalPersonKey], registration, d[gaiax.IssuerKey]))
			if err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			d := map[string]string{}
			for k, v := range data {
				d[k] = v
			}
			change(d)
			_, err := Check(d)
			if err == nil {
				t.Fatal("Check accepted it")
			}
			t.Log(err)
		})
	}
}
