package gaiax

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

var keyRef = rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "gaiax-signing-key"}

// testKey is a fixed Ed25519 key, so signed golden files are stable.
func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed([]byte("rathaus-gaiax-test-seed-32-bytes"))
}

func pkcs8PEM(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// inputs are the inputs of workspace kiel on a platform with a provider identity, Gaia-X
// settings in the Tagus format and allowed regions in Germany; signed when key is not nil.
func inputs(t testing.TB, key any, mutate ...func(*stack.Inputs)) stack.Inputs {
	t.Helper()
	rel := release.BuiltIn()
	rel.CreationTimestamp = metav1.NewTime(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel", UID: "uid-kiel",
				CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC))},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{DisplayName: "Landeshauptstadt Kiel", Domain: "kiel.de"},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{
			ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: metav1.NewTime(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))},
			Spec: rathausv1alpha1.WorkspacePlatformSpec{
				DataResidency: rathausv1alpha1.DataResidency{AllowedRegions: []string{"eu-central", "eu-central-2"}},
				Provider: &rathausv1alpha1.ProviderIdentity{
					LegalName:              "Nordcloud Kommunal GmbH",
					RegistrationNumber:     "DE123456789",
					HeadquarterAddress:     "DE-SH",
					LegalAddress:           "DE-HH",
					TermsAndConditionsURL:  "https://provider.example.eu/terms",
					TermsAndConditionsHash: "4ad7ee8b2f7c4a1ac4bd7e1f1f7b5c0b7d2d6e8c4f7d0a6e5b5c1f0e9d8c7b6a",
					GaiaX: &rathausv1alpha1.GaiaXCredentials{
						Format:          rathausv1alpha1.GaiaXFormatTagus,
						Issuer:          "did:web:provider.example.eu",
						RegionCountries: []rathausv1alpha1.RegionCountry{{Region: "eu-central-2", Country: "DE"}, {Region: "eu-central", Country: "DE"}},
					},
				},
			},
		},
		Release: rel,
		Endpoints: []stack.Endpoint{
			{Service: "files", URL: "https://files.kiel.de", Version: "34.0.2"},
			{Service: "video", URL: "https://meet.kiel.de", Version: "stable-11146-2"},
		},
	}
	if key != nil {
		in.Platform.Spec.Provider.GaiaX.SigningKeySecret = &keyRef
		in.PlatformSecrets = map[string]map[string][]byte{stack.RefKey(keyRef): {SigningKeyKey: pkcs8PEM(t, key)}}
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func documents(t testing.TB, in stack.Inputs) *Published {
	t.Helper()
	docs, err := Documents(in)
	if err != nil {
		t.Fatal(err)
	}
	if docs == nil {
		t.Fatal("no credentials rendered")
	}
	return docs
}

func parse(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGoldenCredentials(t *testing.T) {
	signed := documents(t, inputs(t, testKey()))
	golden.Assert(t, "signed/legal-participant.json", signed.LegalParticipant)
	golden.Assert(t, "signed/service-offering.json", signed.ServiceOffering)
	unsigned := documents(t, inputs(t, nil))
	golden.Assert(t, "unsigned/legal-participant.json", unsigned.LegalParticipant)
	golden.Assert(t, "unsigned/service-offering.json", unsigned.ServiceOffering)
}

// TestExpandsAsJSONLD expands the published documents with the offline loader in safe mode,
// which fails on any term the contexts do not define, and checks the expanded types.
func TestExpandsAsJSONLD(t *testing.T) {
	for _, signed := range []bool{false, true} {
		var key any
		if signed {
			key = testKey()
		}
		docs := documents(t, inputs(t, key))
		for name, raw := range map[string][]byte{"participant": docs.LegalParticipant, "offering": docs.ServiceOffering} {
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			expanded, err := Expand(doc)
			if err != nil {
				t.Fatalf("%s (signed %v): %v", name, signed, err)
			}
			want := map[string]string{"participant": GXNamespace + "LegalParticipant", "offering": GXNamespace + "ServiceOffering"}[name]
			flat, _ := json.Marshal(expanded)
			if !strings.Contains(string(flat), `"`+want+`"`) {
				t.Errorf("%s: expanded document has no type %s:\n%s", name, want, flat)
			}
			if !strings.Contains(string(flat), `"https://www.w3.org/2018/credentials#VerifiableCredential"`) {
				t.Errorf("%s: expanded document is no VerifiableCredential", name)
			}
			if signed && !strings.Contains(string(flat), `"https://w3id.org/security#JsonWebSignature2020"`) {
				t.Errorf("%s: expanded proof is no JsonWebSignature2020", name)
			}
		}
	}
}

func TestOfflineLoaderRefusesOtherContexts(t *testing.T) {
	for _, ctx := range []string{"https://example.org/context/v1", "https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#", "file:///etc/passwd"} {
		doc := map[string]any{"@context": []any{CredentialsV1Context, ctx}, "type": []any{"VerifiableCredential"}}
		_, err := Expand(doc)
		if err == nil || !strings.Contains(err.Error(), "not embedded") {
			t.Errorf("context %s: got error %v, want a refusal", ctx, err)
		}
	}
	// An undefined term would be dropped silently; in safe mode it is an error.
	doc := map[string]any{"@context": []any{CredentialsV1Context}, "type": []any{"VerifiableCredential"}, "undefinedTerm": "x"}
	if _, err := Expand(doc); err == nil {
		t.Error("a document with an undefined term expanded without error")
	}
}

// lookup follows a dotted path of keys (an index into an array is a number).
func lookup(doc any, path string) any {
	cur := doc
	for _, key := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[key]
		case []any:
			var i int
			if _, err := fmtSscan(key, &i); err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// TestMandatoryProperties lists the properties the Trust Framework 22.10 shapes require (and
// those the issue asks for) and checks each is present and not empty.
func TestMandatoryProperties(t *testing.T) {
	docs := documents(t, inputs(t, testKey()))
	participant, offering := parse(t, docs.LegalParticipant), parse(t, docs.ServiceOffering)
	for _, tc := range []struct {
		doc  map[string]any
		path string
		want string // exact value, when fixed by the inputs
	}{
		// W3C VC Data Model 1.1 and JsonWebSignature2020.
		{participant, "id", "did:web:provider.example.eu#legal-participant"},
		{participant, "issuer", "did:web:provider.example.eu"},
		{participant, "issuanceDate", "2026-10-01T12:00:00Z"},
		{participant, "type.0", "VerifiableCredential"},
		{participant, "proof.type", ProofType},
		{participant, "proof.proofPurpose", "assertionMethod"},
		{participant, "proof.verificationMethod", "did:web:provider.example.eu#key-1"},
		{participant, "proof.created", "2026-10-01T12:00:00Z"},
		{participant, "proof.jws", ""},
		// gx:LegalParticipantShape.
		{participant, "credentialSubject.id", "did:web:provider.example.eu"},
		{participant, "credentialSubject.type", "gx:LegalParticipant"},
		{participant, "credentialSubject.gx:legalName", "Nordcloud Kommunal GmbH"},
		{participant, "credentialSubject.gx:legalRegistrationNumber.gx:vatID", "DE123456789"},
		{participant, "credentialSubject.gx:headquarterAddress.gx:countrySubdivisionCode", "DE-SH"},
		{participant, "credentialSubject.gx:legalAddress.gx:countrySubdivisionCode", "DE-HH"},
		// gx:ServiceOfferingShape.
		{offering, "id", "did:web:provider.example.eu#workspace/kiel/kiel/credential"},
		{offering, "issuanceDate", "2026-11-02T09:30:00Z"},
		{offering, "proof.jws", ""},
		{offering, "credentialSubject.type", "gx:ServiceOffering"},
		{offering, "credentialSubject.gx:providedBy.id", "did:web:provider.example.eu"},
		{offering, "credentialSubject.gx:termsAndConditions.gx:URL", "https://provider.example.eu/terms"},
		{offering, "credentialSubject.gx:termsAndConditions.gx:hash", "4ad7ee8b2f7c4a1ac4bd7e1f1f7b5c0b7d2d6e8c4f7d0a6e5b5c1f0e9d8c7b6a"},
		{offering, "credentialSubject.gx:policy", DefaultPolicy},
		{offering, "credentialSubject.gx:dataAccountExport.gx:requestType", "API"},
		{offering, "credentialSubject.gx:dataAccountExport.gx:accessType", "digital"},
		{offering, "credentialSubject.gx:dataAccountExport.gx:formatType", "application/zip"},
		{offering, "credentialSubject.gx:dataProtectionRegime", "GDPR2016"},
		// What the issue asks for: location, endpoints, components.
		{offering, "credentialSubject.gx:aggregationOf.0.type", "gx:PhysicalResource"},
		{offering, "credentialSubject.gx:aggregationOf.0.gx:maintainedBy.id", "did:web:provider.example.eu"},
		{offering, "credentialSubject.gx:aggregationOf.0.gx:locationAddress.0.gx:countryCode", "DE"},
		{offering, "credentialSubject.gx:endpoint.0.gx:endpointURL.@value", "https://files.kiel.de"},
		{offering, "credentialSubject.gx:endpoint.1.gx:endpointURL.@value", "https://meet.kiel.de"},
		{offering, "credentialSubject.gx:aggregationOf.1.type", "gx:SoftwareResource"},
		{offering, "credentialSubject.gx:aggregationOf.1.gx:name", "jitsi-jicofo"},
		{offering, "credentialSubject.gx:aggregationOf.1.gx:version", "stable-11146-2"},
	} {
		got := lookup(tc.doc, tc.path)
		s, _ := got.(string)
		if s == "" {
			t.Errorf("%s of %s: missing or empty (%v)", tc.path, tc.doc["id"], got)
			continue
		}
		if tc.want != "" && s != tc.want {
			t.Errorf("%s of %s = %q, want %q", tc.path, tc.doc["id"], s, tc.want)
		}
	}
	if n := len(lookup(offering, "credentialSubject.gx:aggregationOf.0.gx:locationAddress").([]any)); n != 1 {
		t.Errorf("two regions in one country give %d location addresses, want 1", n)
	}
}

func TestComponentVersionChangesOffering(t *testing.T) {
	before := documents(t, inputs(t, testKey()))
	after := documents(t, inputs(t, testKey(), func(in *stack.Inputs) {
		for i, c := range in.Release.Spec.Components {
			if c.Name == "nextcloud" {
				in.Release.Spec.Components[i].Version = "34.0.3-apache"
			}
		}
	}))
	if string(before.ServiceOffering) == string(after.ServiceOffering) {
		t.Fatal("the offering did not change with a component's version")
	}
	if !strings.Contains(string(after.ServiceOffering), `"34.0.3-apache"`) {
		t.Error("the offering does not name the new version")
	}
	if lookup(parse(t, before.ServiceOffering), "proof.jws") == lookup(parse(t, after.ServiceOffering), "proof.jws") {
		t.Error("the signature did not change with the content")
	}
	if string(before.LegalParticipant) != string(after.LegalParticipant) {
		t.Error("the participant changed with a component's version")
	}
}

func TestDeterministic(t *testing.T) {
	for _, key := range []any{nil, testKey(), rsaKey(t)} {
		a, b := documents(t, inputs(t, key)), documents(t, inputs(t, key))
		if string(a.ServiceOffering) != string(b.ServiceOffering) || string(a.LegalParticipant) != string(b.LegalParticipant) {
			t.Errorf("key %T: the same inputs gave different documents", key)
		}
		if Summary(inputs(t, key)).Digest != Summary(inputs(t, key)).Digest {
			t.Errorf("key %T: the same inputs gave different digests", key)
		}
	}
}

var rsaTestKey *rsa.PrivateKey

func rsaKey(t testing.TB) *rsa.PrivateKey {
	if rsaTestKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaTestKey = k
	}
	return rsaTestKey
}

func TestSignatureVerifies(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  any
	}{
		{"Ed25519", testKey()},
		{"RSA", rsaKey(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := keyOf{tc.key}
			docs := documents(t, inputs(t, k.priv))
			for _, raw := range [][]byte{docs.LegalParticipant, docs.ServiceOffering} {
				if err := Verify(raw, k.pub()); err != nil {
					t.Fatalf("signature of an untouched credential: %v", err)
				}
				for _, tamper := range []struct{ from, to string }{
					{`"Nordcloud Kommunal GmbH"`, `"Nordcloud Kommunal AG"`},
					{`"DE-HH"`, `"DE-BE"`},
					{`"34.0.2-apache"`, `"34.0.3-apache"`},
					{`"assertionMethod"`, `"authentication"`},
				} {
					if !strings.Contains(string(raw), tamper.from) {
						continue
					}
					changed := []byte(strings.Replace(string(raw), tamper.from, tamper.to, 1))
					if err := Verify(changed, k.pub()); err == nil {
						t.Errorf("changing %s to %s: the signature still verifies", tamper.from, tamper.to)
					}
				}
			}
			other := ed25519.NewKeyFromSeed([]byte("another-seed-of-thirty-two-bytes"))
			if err := Verify(docs.ServiceOffering, other.Public()); err == nil {
				t.Error("the signature verifies with another key")
			}
		})
	}
}

// keyOf gives the public key of a test's private key.
type keyOf struct{ priv any }

func (k keyOf) pub() any {
	switch p := k.priv.(type) {
	case ed25519.PrivateKey:
		return p.Public()
	case *rsa.PrivateKey:
		return &p.PublicKey
	}
	return nil
}

func TestRender(t *testing.T) {
	t.Run("no provider identity publishes nothing", func(t *testing.T) {
		for _, mutate := range []func(*stack.Inputs){
			func(in *stack.Inputs) { in.Platform.Spec.Provider = nil },
			func(in *stack.Inputs) { in.Platform.Spec.Provider.GaiaX = nil },
		} {
			objs, err := Component{}.Render(inputs(t, nil, mutate))
			if err != nil || len(objs) != 0 {
				t.Errorf("got %d objects, error %v; want none", len(objs), err)
			}
			if s := Summary(inputs(t, nil, mutate)); s != nil {
				t.Errorf("summary %+v, want none", s)
			}
		}
	})
	t.Run("publishes both credentials in one ConfigMap", func(t *testing.T) {
		in := inputs(t, testKey())
		objs, err := Component{}.Render(in)
		if err != nil || len(objs) != 1 {
			t.Fatalf("got %d objects, error %v", len(objs), err)
		}
		cm := objs[0].(*corev1.ConfigMap)
		if cm.Name != ConfigMapName || cm.Namespace != "kiel" || cm.OwnerReferences[0].Name != "kiel" {
			t.Errorf("ConfigMap %s/%s owned by %v", cm.Namespace, cm.Name, cm.OwnerReferences)
		}
		s := Summary(in)
		if s == nil || !s.Signed || s.OfferingID != "did:web:provider.example.eu#workspace/kiel/kiel/credential" || !strings.HasPrefix(s.Digest, "sha256:") || s.ConfigMap != ConfigMapName {
			t.Errorf("summary %+v", s)
		}
		if Verify([]byte(cm.Data[ServiceOfferingKey]), testKey().Public()) != nil {
			t.Error("the published offering does not verify")
		}
	})
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name    string
		mutate  func(*stack.Inputs)
		message string
	}{
		{"region without country", func(in *stack.Inputs) { in.Platform.Spec.DataResidency.AllowedRegions = []string{"eu-west"} }, `allowed region "eu-west" has no country`},
		{"missing registration number", func(in *stack.Inputs) { in.Platform.Spec.Provider.RegistrationNumber = "" }, "provider.registrationNumber is required"},
		{"missing terms", func(in *stack.Inputs) { in.Platform.Spec.Provider.TermsAndConditionsHash = "" }, "termsAndConditionsHash are required"},
		{"key Secret not read", func(in *stack.Inputs) { in.PlatformSecrets = nil }, "was not read"},
		{"key Secret without key.pem", func(in *stack.Inputs) { in.PlatformSecrets[stack.RefKey(keyRef)] = map[string][]byte{"tls.key": nil} }, "has no key key.pem"},
		{"not PEM", func(in *stack.Inputs) { in.PlatformSecrets[stack.RefKey(keyRef)][SigningKeyKey] = []byte("secret") }, "not a PKCS#8 PEM block"},
		{"ECDSA key", func(in *stack.Inputs) { in.PlatformSecrets[stack.RefKey(keyRef)][SigningKeyKey] = pkcs8PEM(t, ecKey) }, "deterministic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Component{}.Render(inputs(t, testKey(), tc.mutate))
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %v, want one containing %q", err, tc.message)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Error("the error shows key material")
			}
		})
	}
}

func TestNoLocationWithoutAllowedRegions(t *testing.T) {
	docs := documents(t, inputs(t, nil, func(in *stack.Inputs) { in.Platform.Spec.DataResidency.AllowedRegions = nil }))
	if strings.Contains(string(docs.ServiceOffering), "gx:locationAddress") {
		t.Error("an offering claims a location although workloads may run in any region")
	}
}
