package gaiax

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	corev1 "k8s.io/api/core/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
)

var registrationRef = rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "gaiax-registration"}

// notaryKey stands in for a Gaia-X notary's key.
var notaryKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

// notarised is a registration number credential as a notary issues it for the VAT ID.
func notarised(t testing.TB) string {
	t.Helper()
	compact, err := vcjwt.Sign(notaryKey, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: "did:web:notary.example.eu#key", Iss: "did:web:notary.example.eu"},
		loire.StandInRegistration("did:web:notary.example.eu", "DE123456789", "DE", "2026-10-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	return compact
}

// loireInputs are inputs' workspace on a platform that asks for Loire credentials, signed with
// key.
func loireInputs(t testing.TB, key crypto.Signer, mutate ...func(*stack.Inputs)) stack.Inputs {
	t.Helper()
	in := inputs(t, key, func(in *stack.Inputs) {
		gx := in.Platform.Spec.Provider.GaiaX
		gx.Format = rathausv1alpha1.GaiaXFormatLoire
		gx.CertificateChainURL = "https://provider.example.eu/.well-known/x509CertificateChain.pem"
		gx.RegistrationCredentialSecret = &registrationRef
		gx.LegalAddressRegion = "DE60"
		gx.HeadquarterAddressRegion = "DEF0"
		in.Endpoints = append(in.Endpoints, stack.Endpoint{Service: "mail", URL: "https://mail.kiel.de"}, stack.Endpoint{Service: "media", URL: "https://media.kiel.de"})
	})
	in.PlatformSecrets[stack.RefKey(registrationRef)] = map[string][]byte{RegistrationCredentialKey: []byte(notarised(t) + "\n")}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func loireData(t testing.TB, in stack.Inputs) map[string]string {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%d objects rendered, want the ConfigMap", len(objs))
	}
	return objs[0].(*corev1.ConfigMap).Data
}

// verified verifies compact with go-jose (not vcjwt) against the JWK of did-key.json, as a
// verifier resolving the provider's DID document would, and returns the decoded payload.
func verified(t testing.TB, didKey, compact string) map[string]any {
	t.Helper()
	var method struct {
		PublicKeyJwk json.RawMessage `json:"publicKeyJwk"`
	}
	if err := json.Unmarshal([]byte(didKey), &method); err != nil {
		t.Fatal(err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(method.PublicKeyJwk); err != nil {
		t.Fatalf("go-jose does not read the DID key: %v", err)
	}
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(jwk.Algorithm)})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		t.Fatalf("go-jose does not verify with the DID key: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(payload, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestLoireCredentialsVerifyAndConform is the property issue 19 asks for: every published JWT
// verifies with a second JOSE library against the key the DID document publishes, the
// presentation carries exactly the published credentials and the notary's, and the
// credentials, decoded from the presentation as a compliance service decodes them, satisfy
// the 25.11 shapes, for both key types and for every release of the catalog.
func TestLoireCredentialsVerifyAndConform(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := map[string]crypto.Signer{"ES256": ec, "PS256": rsaKey(t)}
	for alg, key := range keys {
		for _, rel := range release.Catalog() {
			t.Run(alg+"/"+rel.Name, func(t *testing.T) {
				in := loireInputs(t, key, func(in *stack.Inputs) { in.Release = rel.DeepCopy() })
				data := loireData(t, in)
				for _, k := range []string{LegalPersonKey, IssuerKey, ServiceOfferingJWTKey} {
					verified(t, data[DIDKeyKey], data[k])
				}
				vp := verified(t, data[DIDKeyKey], data[PresentationKey])
				var docs []loire.Credential
				var enveloped []string
				for _, v := range vp["verifiableCredential"].([]any) {
					compact, ok := vcjwt.Unenveloped(v)
					if !ok {
						t.Fatalf("not an enveloped credential: %v", v)
					}
					enveloped = append(enveloped, compact)
					if compact == strings.TrimSpace(notarised(t)) {
						_, payload, err := vcjwt.Verify(compact, &notaryKey.PublicKey)
						if err != nil {
							t.Fatal(err)
						}
						var doc loire.Credential
						_ = json.Unmarshal(payload, &doc)
						docs = append(docs, doc)
						continue
					}
					docs = append(docs, verified(t, data[DIDKeyKey], compact))
				}
				want := []string{data[LegalPersonKey], notarised(t), data[IssuerKey], data[ServiceOfferingJWTKey]}
				if strings.Join(enveloped, " ") != strings.Join(want, " ") {
					t.Errorf("the presentation carries other credentials than the published ones")
				}
				if errs := loire.Check(docs...); len(errs) > 0 {
					t.Errorf("the 25.11 shapes are violated:\n%s", strings.Join(errs, "\n"))
				}
			})
		}
	}
}

// TestLoireTamperedCredentialFails changes one claim of a signed credential, keeping its
// signature: go-jose must refuse it.
func TestLoireTamperedCredentialFails(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	data := loireData(t, loireInputs(t, ec))
	parts := strings.Split(data[ServiceOfferingJWTKey], ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), "Landeshauptstadt Kiel", "Landeshauptstadt Lübeck", 1)
	if forged == string(payload) {
		t.Fatal("the offering does not name the workspace")
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	var method struct {
		PublicKeyJwk jose.JSONWebKey `json:"publicKeyJwk"`
	}
	if err := json.Unmarshal([]byte(data[DIDKeyKey]), &method); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(tampered, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(method.PublicKeyJwk.Key); err == nil {
		t.Error("go-jose verified a tampered offering")
	}
}

func TestLoireIsDeterministicAndPublishesTheChain(t *testing.T) {
	key := rsaKey(t)
	first, second := loireData(t, loireInputs(t, key)), loireData(t, loireInputs(t, key))
	for k := range first {
		if first[k] != second[k] {
			t.Errorf("%s differs between two renders of the same inputs", k)
		}
	}
	var method map[string]any
	if err := json.Unmarshal([]byte(first[DIDKeyKey]), &method); err != nil {
		t.Fatal(err)
	}
	jwk := method["publicKeyJwk"].(map[string]any)
	if jwk["x5u"] != "https://provider.example.eu/.well-known/x509CertificateChain.pem" || jwk["alg"] != "PS256" || method["id"] != "did:web:provider.example.eu#key-1" {
		t.Errorf("did-key.json = %s", first[DIDKeyKey])
	}
	other := loireData(t, loireInputs(t, key, func(in *stack.Inputs) { in.Workspace.Spec.DisplayName = "Kiel" }))
	if other[ServiceOfferingJWTKey] == first[ServiceOfferingJWTKey] || other[PresentationKey] == first[PresentationKey] {
		t.Error("the offering did not change with the workspace's name")
	}
	if other[LegalPersonKey] != first[LegalPersonKey] {
		t.Error("the provider's credential changed with a workspace's name")
	}
	st := Summary(loireInputs(t, key))
	if st == nil || st.Format != rathausv1alpha1.GaiaXFormatLoire || st.Digest != PresentationDigest(first[PresentationKey]) || !st.Signed {
		t.Errorf("Summary = %+v", st)
	}
}

func TestLoireRefusesWhatItCannotPublish(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := map[string]struct {
		key    crypto.Signer
		mutate func(*stack.Inputs)
		want   string
	}{
		"an Ed25519 key":         {testKey(), nil, "format: Tagus"},
		"no registration secret": {ec, func(in *stack.Inputs) { delete(in.PlatformSecrets, stack.RefKey(registrationRef)) }, "gaiax-registration was not read"},
		"registration without key": {ec, func(in *stack.Inputs) {
			in.PlatformSecrets[stack.RefKey(registrationRef)] = map[string][]byte{"other": []byte("x")}
		}, "has no key credential.jwt"},
		"a registration of nothing": {ec, func(in *stack.Inputs) {
			in.PlatformSecrets[stack.RefKey(registrationRef)][RegistrationCredentialKey] = []byte("a.b")
		}, "not a compact JWS"},
		"a subdivision without country": {ec, func(in *stack.Inputs) { in.Platform.Spec.Provider.LegalAddress = "Hamburg" }, "not an ISO 3166-2 code"},
		"no signing key":                {ec, func(in *stack.Inputs) { in.Platform.Spec.Provider.GaiaX.SigningKeySecret = nil }, "signingKeySecret is required"},
		"a platform from before Loire":  {ec, func(in *stack.Inputs) { in.Platform.Spec.Provider.GaiaX.RegistrationCredentialSecret = nil }, "or set provider.gaiaX.format: Tagus"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := loireInputs(t, c.key)
			if c.mutate != nil {
				c.mutate(&in)
			}
			_, err := Component{}.Render(in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Render = %v, want an error saying %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Error("the error shows key material")
			}
		})
	}
}

// TestEveryReleaseImageHasALicence keeps Licences complete: an image of the operator's own
// releases without one would be missing from every offering.
func TestEveryReleaseImageHasALicence(t *testing.T) {
	for _, rel := range release.Catalog() {
		for _, c := range rel.Spec.Components {
			if l, ok := Licences[c.Image]; !ok || len(l.Licenses) == 0 || l.CopyrightOwner == "" {
				t.Errorf("release %s: image %s has no licence in gaiax.Licences", rel.Name, c.Image)
			}
		}
		if got, want := len(software(&rel)), len(rel.Spec.Components); got != want {
			t.Errorf("release %s: %d software resources for %d images", rel.Name, got, want)
		}
	}
}

// TestLoireSummaryNeedsNoSignatureOnceRendered: the status of a workspace whose credentials
// were rendered is reported from the remembered digest, without signing (a settled
// workspace's reconcile renders nothing), and a forgotten digest is computed again to the
// same value.
func TestLoireSummaryNeedsNoSignatureOnceRendered(t *testing.T) {
	signatures, digests := loireSignatures, presentationDigests
	t.Cleanup(func() { loireSignatures, presentationDigests = signatures, digests })
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	in := loireInputs(t, ec)
	want := PresentationDigest(loireData(t, in)[PresentationKey])

	loireSignatures = newMemo(256)
	_, digest, err := LoireSummary(in)
	if err != nil || digest != want {
		t.Fatalf("LoireSummary = %q, %v; want %q", digest, err, want)
	}
	if n := loireSignatures.len(); n != 0 {
		t.Errorf("reporting a rendered workspace signed %d documents", n)
	}
	presentationDigests = newMemo(memoSize)
	if _, again, err := LoireSummary(in); err != nil || again != want {
		t.Errorf("a forgotten digest computed again: %q, %v; want %q", again, err, want)
	}
	in.Workspace.Spec.DisplayName = "Kiel"
	if _, changed, _ := LoireSummary(in); changed == want {
		t.Error("the digest did not change with the offering")
	}
}
